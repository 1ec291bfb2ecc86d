using System.Net;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Fixtures;

/// <summary>
/// One node relaying into a row of real receivers on 127.0.1.x:25, found through MX records
/// served by dnsmasq: Postfix with TLS none / may (trusted CA, right name) / may (self-signed)
/// / may (wrong name) / encrypt / may with TLS 1.0 only (the handshake fails after 220),
/// smtp-sink without STARTTLS, smtp-sink refusing EHLO, and a server answering STARTTLS with
/// 454. Every receiver gets one domain per outbound TLS mode, named <c>RECEIVER-MODE.test</c>,
/// with that mode in its destination control. The node presents a CA-signed client
/// certificate, which the "good" receiver asks for and writes into its Received header.
/// </summary>
public sealed partial class DeliveryFixture : IAsyncLifetime
{
    public static readonly string[] Modes = ["none", "preferred", "required", "preferred_verify", "required_verify"];

    public static readonly string[] Receivers = ["pfnone", "good", "selfsigned", "wrongname", "encrypt", "sink", "refuser", "noesmtp", "oldtls"];

    /// <summary>
    /// Domains that publish an MTA-STS policy (served by nginx on 127.0.5.1:443): domain, its
    /// MX receiver, the policy's mode and allowed MX, and the destination control's TLS mode
    /// and whether it honours MTA-STS.
    /// </summary>
    public static readonly (string Domain, string Receiver, string Mode, string Mx, string Tls, bool Honoured)[] MtaStsDomains =
    [
        ("sts-good.test", "good", "enforce", "mx.good.test", "none", true),
        ("sts-wrong.test", "wrongname", "enforce", "mx.wrongname.test", "preferred", true),
        ("sts-nomatch.test", "good", "enforce", "mx.elsewhere.test", "preferred", true),
        ("sts-testing.test", "wrongname", "testing", "mx.wrongname.test", "preferred", true),
        ("sts-off.test", "wrongname", "enforce", "mx.wrongname.test", "preferred", false),
    ];

    private readonly List<IAsyncDisposable> peers = [];

    public TestCluster Cluster { get; private set; } = null!;

    public NodeInstance Node => Cluster.Nodes[0];

    /// <summary>The node's relay listener (private, relaying for loopback clients).</summary>
    public IPEndPoint Relay { get; private set; } = null!;

    /// <summary>A domain whose TXT record announces an MTA-STS policy that no host serves.</summary>
    public const string PolicyHostMissing = "sts-nohost.test";

    /// <summary>A domain like sts-good.test (enforce, mx.good.test) kept for what another member shares of it.</summary>
    public const string SharedByMember = "sts-shared.test";

    /// <summary>A domain whose policy host serves a policy larger than the 64 KB a node reads.</summary>
    public const string PolicyTooLarge = "sts-huge.test";

    public Dictionary<string, PostfixInstance> Postfix { get; } = [];

    public MtaStsHost MtaStsPolicies { get; private set; } = null!;

    public SmtpSink Sink { get; private set; } = null!;

    public SmtpSink NoEsmtp { get; private set; } = null!;

    public StartTlsRefuser Refuser { get; private set; } = null!;

    public string MailLog => Path.Combine(Node.DataDir, "logs", "mail.current");

    public string Queue => Path.Combine(Node.DataDir, "queue");

    public static IPAddress ReceiverAddress(string receiver) => IPAddress.Parse($"127.0.1.{Array.IndexOf(Receivers, receiver) + 1}");

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(nodes: 1);
        var work = Directory.CreateDirectory(Path.Combine(Cluster.Root, "delivery")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "Delivery");
        async Task<(string Chain, string Key)> Issue(string name)
        {
            var (certificate, key) = await ca.IssueAsync(name, name);
            var chain = Path.Combine(work, $"{name}-chain.pem");
            await File.WriteAllTextAsync(chain, await File.ReadAllTextAsync(certificate) + await File.ReadAllTextAsync(ca.IntermediateCertificate));
            return (chain, key);
        }

        var good = await Issue("mx.good.test");
        var wrong = await Issue("other.example.net");
        var encrypt = await Issue("mx.encrypt.test");
        var selfSigned = (Chain: Path.Combine(work, "selfsigned.crt"), Key: Path.Combine(work, "selfsigned.key"));
        await OpenSsl.OkAsync(work, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", selfSigned.Key, "-out", selfSigned.Chain,
            "-days", "30", "-subj", "/CN=mx.selfsigned.test", "-addext", "subjectAltName=DNS:mx.selfsigned.test");

        var trusted = Path.Combine(work, "trusted.pem");
        await File.WriteAllTextAsync(trusted, await File.ReadAllTextAsync(ca.RootCertificate) + await File.ReadAllTextAsync(ca.IntermediateCertificate));
        async Task StartPostfix(string receiver, string level, (string Chain, string Key)? tls, IReadOnlyDictionary<string, string>? extra = null)
        {
            var endpoint = new IPEndPoint(ReceiverAddress(receiver), 25);
            var instance = await PostfixInstance.StartReceiverAsync(Path.Combine(work, receiver), endpoint, $"mx.{receiver}.test", level, tls?.Chain, tls?.Key, extra);
            peers.Add(instance);
            Postfix[receiver] = instance;
        }

        await StartPostfix("pfnone", "none", null);
        await StartPostfix("good", "may", good, new Dictionary<string, string> { ["smtpd_tls_ask_ccert"] = "yes", ["smtpd_tls_CAfile"] = trusted });
        await StartPostfix("selfsigned", "may", selfSigned);
        await StartPostfix("wrongname", "may", wrong);
        await StartPostfix("encrypt", "encrypt", encrypt);
        // Offers STARTTLS, answers 220, then cannot agree on a protocol with any current client.
        await StartPostfix("oldtls", "may", good, new Dictionary<string, string> { ["smtpd_tls_protocols"] = ">=TLSv1, <=TLSv1" });
        Sink = await SmtpSink.StartAsync(Path.Combine(work, "sink"), new IPEndPoint(ReceiverAddress("sink"), 25));
        peers.Add(Sink);
        NoEsmtp = await SmtpSink.StartAsync(Path.Combine(work, "noesmtp"), new IPEndPoint(ReceiverAddress("noesmtp"), 25), refuseEhlo: true);
        peers.Add(NoEsmtp);
        Refuser = StartTlsRefuser.Start(new IPEndPoint(ReceiverAddress("refuser"), 25));
        peers.Add(Refuser);

        var policyHost = IPAddress.Parse("127.0.5.1");
        var policies = new List<(string, string, string, string)>();
        foreach (var sts in MtaStsDomains)
        {
            var (chain, key) = await Issue($"mta-sts.{sts.Domain}");
            policies.Add((sts.Domain, $"version: STSv1\nmode: {sts.Mode}\nmx: {sts.Mx}\nmax_age: 86400\n", chain, key));
        }

        var shared = await Issue($"mta-sts.{SharedByMember}");
        policies.Add((SharedByMember, "version: STSv1\nmode: enforce\nmx: mx.good.test\nmax_age: 86400\n", shared.Chain, shared.Key));
        var huge = await Issue($"mta-sts.{PolicyTooLarge}");
        policies.Add((PolicyTooLarge, $"version: STSv1\nmode: enforce\nmx: mx.elsewhere.test\nmax_age: 86400\nx_padding: {new string('a', 70_000)}\n", huge.Chain, huge.Key));
        MtaStsPolicies = await MtaStsHost.StartAsync(Path.Combine(work, "mta-sts"), policyHost, policies);
        peers.Add(MtaStsPolicies);

        // Bounces and alerts land in the clear-text Postfix's mailbox; e2e.test is the end-to-end domain.
        var mx = Receivers.SelectMany(r => Modes.Select(m => (Domain($"{r}", m), $"mx.{r}.test", 10)))
            .Concat(MtaStsDomains.Select(s => (s.Domain, $"mx.{s.Receiver}.test", 10)))
            .Append((PolicyHostMissing, "mx.good.test", 10))
            .Append((PolicyTooLarge, "mx.good.test", 10))
            .Append((SharedByMember, "mx.good.test", 10))
            .Concat([("bounces.test", "mx.pfnone.test", 10), ("alerts.test", "mx.pfnone.test", 10), ("e2e.test", "mx.good.test", 10),
                ("alerting.test", "mx.sink.test", 10), ("quiet.test", "mx.sink.test", 10)]);
        var dns = await Dnsmasq.StartAsync(Path.Combine(work, "dnsmasq.log"), mx,
            Receivers.Select(r => ($"mx.{r}.test", ReceiverAddress(r).ToString())).Concat(MtaStsDomains.Select(s => ($"mta-sts.{s.Domain}", policyHost.ToString())))
                .Append(($"mta-sts.{PolicyTooLarge}", policyHost.ToString())).Append(($"mta-sts.{SharedByMember}", policyHost.ToString())),
            MtaStsDomains.Select(s => s.Domain).Append(PolicyHostMissing).Append(PolicyTooLarge).Append(SharedByMember).Select(d => $"--txt-record=_mta-sts.{d},v=STSv1; id=20261203"));
        peers.Add(dns);

        // The trusted list holds the test root; the node also trusts the intermediate the receivers send.
        var m = Cluster.Manager;
        (await m.CliAsync("certconfig", "ca", "import", ca.RootCertificate)).Succeeded();
        var client = await Issue("relay.node1.test");
        (await m.CliAsync("certconfig", "paste", "relay-client", "--cert", client.Chain, "--key", client.Key)).Succeeded();
        var address = Node.Address;
        Relay = new IPEndPoint(address, FreePort.On(address));
        var controls = string.Join("\n", Receivers.SelectMany(r => Modes.Select(mode => $"  - {{domain: {Domain(r, mode)}, tls: {mode}}}"))
            .Concat(MtaStsDomains.Select(s => $"  - {{domain: {s.Domain}, tls: {s.Tls}, mta_sts: {(s.Honoured ? "on" : "off")}}}"))
            .Append($"  - {{domain: {PolicyHostMissing}, tls: preferred, mta_sts: on}}")
            .Append($"  - {{domain: {PolicyTooLarge}, tls: preferred, mta_sts: on}}")
            .Append($"  - {{domain: {SharedByMember}, tls: none, mta_sts: on}}"));
        (await m.LoadConfigAsync($$$"""
            hostname: relay.node1.test
            ip_interfaces: [{name: Data1, address: {{{address}}}, hostname: relay.node1.test}]
            system:
              dns_servers: ["{{{dns.Endpoint}}}"]
              queue: {initial_retry_seconds: 2, max_retry_seconds: 3}
            mail_flow_policies:
              - {name: P_RELAY, behavior: relay, tls: preferred}
              - {name: P_BLOCK, behavior: reject}
            sender_groups:
              - {name: G_LOCAL, policy: P_RELAY, members: [127.0.0.0/8]}
            listeners:
              - {name: Relay, type: private, interface: Data1, port: {{{Relay.Port}}}, certificate: demo, host_access_table: [G_LOCAL], default_policy: P_BLOCK}
            destination_global: {certificate: relay-client, alert_on_required_tls_failure: true}
            alert_recipients:
              - {address: admin@alerts.test, subscriptions: [{class: system, severities: [warning, critical]}]}
            alert_settings: {from_address: gatehouse@relay.node1.test, initial_backoff_seconds: 3600, max_backoff_seconds: 7200}
            destination_controls:
            {{{controls}}}
              - {domain: e2e.test, tls: required_verify}
              - {domain: alerting.test, tls: required}
              - {domain: quiet.test, tls: required}
            """, machine: "node1", merge: true)).Succeeded();
        await Node.WaitAppliedAsync(await m.CommitAsync("delivery test receivers"));
        await Wait.UntilAsync(() => FreePort.Accepts(Relay), $"the relay listener accepts on {Relay}");
    }

    /// <summary>The mail a Postfix receiver stored, headers unfolded (a long Subject is written over several lines).</summary>
    public List<string> Unfolded(string receiver) =>
        [.. Postfix[receiver].Delivered().Select(m => m.Replace("\n ", " ", StringComparison.Ordinal).Replace("\n\t", " ", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal))];

    public static string Domain(string receiver, string mode) => $"{receiver}-{mode.Replace("_", "", StringComparison.Ordinal)}.test";

    /// <summary>Sends one message through the node's relay listener; returns its MID.</summary>
    public async Task<long> SendAsync(string to, string subject, string from = "sender@bounces.test")
    {
        var result = await Swaks.SendAsync(Relay, to, "--from", from, "--header", $"Subject: {subject}", "--body", $"Body of {subject}");
        result.Succeeded();
        return long.Parse(QueuedAs().Match(result.Output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>How many times delivery of <paramref name="mid"/> was put off.</summary>
    public int Delays(long mid) => MailLogText().Split('\n').Count(l => l.Contains($"Delayed: DCID 0 MID {mid} ", StringComparison.Ordinal));

    public string MailLogText() => File.Exists(MailLog) ? File.ReadAllText(MailLog) : "";

    /// <summary>Mail log lines of the connections that carried <paramref name="mid"/>.</summary>
    public IReadOnlyList<string> ConnectionLines(long mid)
    {
        var log = MailLogText().Split('\n');
        var dcids = log.Select(l => DeliveryStart().Match(l)).Where(x => x.Success && x.Groups["mid"].Value == mid.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Select(x => x.Groups["dcid"].Value).ToHashSet();
        return [.. log.Where(l => dcids.Any(d => l.Contains($"DCID {d} ", StringComparison.Ordinal)))];
    }

    /// <summary>Mail log lines of each connection the node opened to <paramref name="address"/>.</summary>
    public IReadOnlyList<IReadOnlyList<string>> ConnectionsTo(IPAddress address)
    {
        var log = MailLogText().Split('\n');
        var dcids = log.Select(l => NewConnection().Match(l)).Where(x => x.Success && x.Groups["address"].Value == address.ToString())
            .Select(x => x.Groups["dcid"].Value);
        return [.. dcids.Select(d => (IReadOnlyList<string>)[.. log.Where(l => l.Contains($"DCID {d} ", StringComparison.Ordinal))])];
    }

    public async Task DisposeAsync()
    {
        // Peers first: they live in the cluster's folder, which its disposal removes.
        foreach (var peer in Enumerable.Reverse(peers))
        {
            await peer.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }

    [GeneratedRegex(@"queued as (\d+)")]
    private static partial Regex QueuedAs();

    [GeneratedRegex(@"New SMTP DCID (?<dcid>\d+) interface \S+ address (?<address>\S+) port")]
    private static partial Regex NewConnection();

    [GeneratedRegex(@"Delivery start DCID (?<dcid>\d+) MID (?<mid>\d+) ")]
    private static partial Regex DeliveryStart();
}

[CollectionDefinition("delivery")]
public sealed class DeliveryCollectionDefinition : ICollectionFixture<DeliveryFixture>;
