using System.Net;

namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>
/// One manager and one node with a listener per inbound TLS mode and one for HAT tests, a
/// CA-signed listener certificate and a client certificate from the same test CA.
/// </summary>
public sealed class SmtpClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public NodeInstance Node => Cluster.Node("node1");

    public TestCa Ca { get; private set; } = null!;

    public (string Certificate, string Key) Client { get; private set; }

    public IPEndPoint Off { get; private set; } = null!;

    public IPEndPoint Preferred { get; private set; } = null!;

    public IPEndPoint Required { get; private set; } = null!;

    public IPEndPoint Verify { get; private set; } = null!;

    public IPEndPoint VerifyPreferred { get; private set; } = null!;

    public IPEndPoint Hat { get; private set; } = null!;

    public string MailLog => Path.Combine(Node.DataDir, "logs", "mail.current");

    public string Queue => Path.Combine(Node.DataDir, "queue");

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(nodes: 1);
        var work = Directory.CreateDirectory(Path.Combine(Cluster.Root, "work")).FullName;
        Ca = await TestCa.CreateAsync(Path.Combine(work, "ca"));
        var (certificate, key) = await Ca.IssueAsync("mx1.example.test", "mx1");
        var (clientCertificate, clientKey) = await Ca.IssueAsync("client.sender.test", "client");
        Client = (await Chain(work, clientCertificate), clientKey);
        var m = Cluster.Manager;
        (await m.CliAsync("certconfig", "paste", "mx1", "--cert", await Chain(work, certificate), "--key", key)).Succeeded();
        // swaks sends its leaf alone, so the trusted list carries the intermediate too.
        var bundle = Path.Combine(work, "trusted.pem");
        await File.WriteAllTextAsync(bundle, await File.ReadAllTextAsync(Ca.RootCertificate) + await File.ReadAllTextAsync(Ca.IntermediateCertificate));
        (await m.CliAsync("certconfig", "ca", "import", bundle)).Succeeded();
        var address = Node.Address;
        int Port() => FreePort.On(address);
        (Off, Preferred, Required, Verify, Hat) = (new(address, Port()), new(address, Port()), new(address, Port()), new(address, Port()), new(address, Port()));
        VerifyPreferred = new(address, Port());
        // Mail for example.test is held (its route refuses connections), so the tests find it queued.
        var closedPort = FreePort.On(IPAddress.Loopback);
        (await m.LoadConfigAsync($$$"""
            hostname: mx1.example.test
            smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{closedPort}}}}]}]
            ip_interfaces: [{name: Data1, address: {{{address}}}, hostname: mx1.example.test}]
            system: {smtp: {idle_timeout_seconds: 3, max_bad_commands: 5}}
            mail_flow_policies:
              - {name: P_OFF, behavior: accept, tls: off, max_recipients_per_message: 100, max_message_size_bytes: 1048576}
              - {name: P_PREF, behavior: accept, tls: preferred, max_recipients_per_message: 100, max_message_size_bytes: 1048576}
              - {name: P_REQ, behavior: accept, tls: required}
              - {name: P_VERIFY, behavior: accept, tls: required, verify_client_certificate: true}
              - {name: P_VERIFY_PREF, behavior: accept, tls: preferred, verify_client_certificate: true}
              - {name: P_RELAY, behavior: relay, tls: preferred}
              - {name: P_BLOCK, behavior: reject}
              - {name: P_REFUSE, behavior: tcprefuse}
            sender_groups:
              - {name: G_REJECT, policy: P_BLOCK, members: [127.0.0.6]}
              - {name: G_REFUSE, policy: P_REFUSE, members: [127.0.0.7]}
              - {name: G_RELAY, policy: P_RELAY, members: [127.0.0.8/32]}
            listeners:
              - {name: Off, type: public, interface: Data1, port: {{{Off.Port}}}, certificate: mx1, default_policy: P_OFF, recipient_access_table: [{recipient: example.test, action: accept}]}
              - {name: Preferred, type: public, interface: Data1, port: {{{Preferred.Port}}}, certificate: mx1, default_policy: P_PREF, recipient_access_table: [{recipient: example.test, action: accept}]}
              - {name: Required, type: public, interface: Data1, port: {{{Required.Port}}}, certificate: mx1, default_policy: P_REQ, recipient_access_table: [{recipient: example.test, action: accept}]}
              - {name: Verify, type: public, interface: Data1, port: {{{Verify.Port}}}, certificate: mx1, default_policy: P_VERIFY, recipient_access_table: [{recipient: example.test, action: accept}]}
              - {name: VerifyPreferred, type: public, interface: Data1, port: {{{VerifyPreferred.Port}}}, certificate: mx1, default_policy: P_VERIFY_PREF, recipient_access_table: [{recipient: example.test, action: accept}]}
              - {name: Hat, type: public, interface: Data1, port: {{{Hat.Port}}}, certificate: mx1, host_access_table: [G_REJECT, G_REFUSE, G_RELAY], default_policy: P_PREF, recipient_access_table: [{recipient: example.test, action: accept}]}
            """, machine: "node1", merge: true)).Succeeded();
        await Node.WaitAppliedAsync(await m.CommitAsync("SMTP test listeners"));
        foreach (var endpoint in new[] { Off, Preferred, Required, Verify, VerifyPreferred, Hat })
        {
            await Wait.UntilAsync(() => FreePort.Accepts(endpoint), $"a listener accepts on {endpoint}");
        }
    }

    public Task<string> MailLogTextAsync() => File.Exists(MailLog) ? File.ReadAllTextAsync(MailLog) : Task.FromResult("");

    /// <summary>Waits until the mail log has a line containing <paramref name="text"/>.</summary>
    public Task WaitForLogAsync(string text) =>
        Wait.UntilAsync(async () => (await MailLogTextAsync()).Contains(text, StringComparison.Ordinal), $"the mail log says '{text}'");

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    // Leaf followed by the intermediate, as servers and clients send them.
    private async Task<string> Chain(string work, string certificate)
    {
        var path = Path.Combine(work, Path.GetFileNameWithoutExtension(certificate) + "-chain.pem");
        await File.WriteAllTextAsync(path, await File.ReadAllTextAsync(certificate) + await File.ReadAllTextAsync(Ca.IntermediateCertificate));
        return path;
    }
}

[CollectionDefinition("smtp")]
public sealed class SmtpCollectionDefinition : ICollectionFixture<SmtpClusterFixture>;
