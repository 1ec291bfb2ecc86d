using System.Net;

namespace Gatehouse.Cluster.Tests.Ldap;

/// <summary>
/// One node whose listeners check recipients against OpenLDAP's slapd (SVC-2): clear, LDAPS
/// and StartTLS, a slapd that demands a client certificate, one that goes away, and one whose
/// certificate does not name the host the profile uses.
/// </summary>
public sealed class LdapFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public NodeInstance Node => Cluster.Node("node1");

    public Slapd Open { get; private set; } = null!;

    public Slapd Demanding { get; private set; } = null!;

    public Slapd Outage { get; private set; } = null!;

    public Dictionary<string, IPEndPoint> Listeners { get; } = [];

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(nodes: 1);
        var work = Directory.CreateDirectory(Path.Combine(Cluster.Root, "ldap")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "Directory");
        var (serverCertificate, serverKey) = await ca.IssueAsync("localhost", "slapd");
        var (clientCertificate, clientKey) = await ca.IssueAsync("node1.gateway.test", "ldap-client", ["extendedKeyUsage=clientAuth"]);
        var cas = await ca.TrustBundleAsync();
        var serverChain = await ca.ChainAsync(serverCertificate);
        var clientChain = await ca.ChainAsync(clientCertificate);

        Open = await Slapd.StartAsync(Path.Combine(work, "open"), serverChain, serverKey, cas, demandClientCertificate: false,
            ["known@example.test"], ["hidden@example.test"]);
        Demanding = await Slapd.StartAsync(Path.Combine(work, "demanding"), serverChain, serverKey, cas, demandClientCertificate: true,
            ["known@example.test"], []);
        Outage = await Slapd.StartAsync(Path.Combine(work, "outage"), serverChain, serverKey, cas, demandClientCertificate: false,
            ["known@example.test", "second@example.test"], []);

        var m = Cluster.Manager;
        (await m.CliAsync("certconfig", "ca", "import", cas)).Succeeded();
        (await m.CliAsync("certconfig", "paste", "ldap-client", "--cert", clientChain, "--key", clientKey)).Succeeded();
        var address = Node.Address;
        foreach (var name in new[] { "Plain", "Ldaps", "StartTls", "Demanding", "Outage", "WrongName", "Pooled", "CaseExact" })
        {
            Listeners[name] = new IPEndPoint(address, FreePort.On(address));
        }

        var bind = $"bind_dn: '{Slapd.BindDn}', bind_password: {Slapd.BindPassword}";
        var common = $"base_dn: '{Slapd.Suffix}', timeout_seconds: 3";
        (await m.LoadConfigAsync($$"""
            ip_interfaces: [{name: Data1, address: {{address}}}]
            mail_flow_policies: [{name: P, behavior: accept, tls: off}]
            ldap_profiles:
              - {name: Plain, host: localhost, port: {{Open.PlainPort}}, security: none, {{common}}, accept_query: '(mail={a})'}
              - {name: Ldaps, host: localhost, port: {{Open.TlsPort}}, security: ldaps, {{bind}}, {{common}}, accept_query: '(mail={a})'}
              - {name: StartTls, host: localhost, port: {{Open.PlainPort}}, security: starttls, {{bind}}, {{common}}, accept_query: '(|(mail={a})(uid={u}))'}
              - {name: Demanding, host: localhost, port: {{Demanding.TlsPort}}, security: ldaps, {{common}}, accept_query: '(mail={a})'}
              - {name: Outage, host: localhost, port: {{Outage.PlainPort}}, security: starttls, {{common}}, accept_query: '(mail={a})'}
              - {name: WrongName, host: 127.0.0.1, port: {{Open.TlsPort}}, security: ldaps, {{common}}, accept_query: '(mail={a})'}
              - {name: Pooled, host: localhost, port: {{Open.PlainPort}}, security: starttls, {{bind}}, {{common}}, accept_query: '(mail={a})', max_connections: 2}
              - {name: CaseExact, host: localhost, port: {{Open.PlainPort}}, security: none, {{common}}, accept_query: '(labeledURI={a})'}
            listeners:
            {{string.Join('\n', Listeners.Select(l =>
                $"  - {{name: {l.Key}, type: public, interface: Data1, port: {l.Value.Port}, default_policy: P, ldap_accept_profile: {l.Key}, recipient_access_table: [{{recipient: example.test, action: accept}}, {{recipient: .example.test, action: accept}}]}}"))}}
            """, machine: "node1", merge: true)).Succeeded();
        await Node.WaitAppliedAsync(await m.CommitAsync("LDAP accept listeners"));
        foreach (var endpoint in Listeners.Values)
        {
            await Wait.UntilAsync(() => FreePort.Accepts(endpoint), $"a listener accepts on {endpoint}");
        }
    }

    /// <summary>What the listener answers to RCPT TO, by swaks (which stops there).</summary>
    public async Task<string> RcptAsync(string listener, string recipient) =>
        (await Swaks.SendAsync(Listeners[listener], recipient, "--quit-after", "RCPT")).Output;

    public Task WaitForLogAsync(string text) => Node.WaitForMailLogAsync(text);

    public async Task DisposeAsync()
    {
        await Open.DisposeAsync();
        await Demanding.DisposeAsync();
        await Outage.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

public sealed class LdapAcceptTests(LdapFixture ldap) : IClassFixture<LdapFixture>
{
    private const string Accepted = "<-  250 2.1.5 Ok";

    [Fact]
    public async Task A_clear_directory_accepts_known_recipients_and_refuses_unknown_ones()
    {
        Assert.Contains(Accepted, await ldap.RcptAsync("Plain", "known@example.test"), StringComparison.Ordinal);
        Assert.Contains("550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown",
            await ldap.RcptAsync("Plain", "nobody@example.test"), StringComparison.Ordinal);
        // Without a bind the private entries are not visible: the query really ran as anonymous.
        Assert.Contains("550 5.1.1", await ldap.RcptAsync("Plain", "hidden@example.test"), StringComparison.Ordinal);
        await ldap.WaitForLogAsync("To: <nobody@example.test> Rejected by LDAPACCEPT (profile Plain)");
    }

    [Fact]
    public async Task LDAPS_with_a_bind_sees_what_the_bound_user_may_see()
    {
        Assert.Contains(Accepted, await ldap.RcptAsync("Ldaps", "hidden@example.test"), StringComparison.Ordinal);
        Assert.Contains("550 5.1.1", await ldap.RcptAsync("Ldaps", "stranger@example.test"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartTLS_with_a_bind_and_a_query_on_the_local_part()
    {
        Assert.Contains(Accepted, await ldap.RcptAsync("StartTls", "hidden@example.test"), StringComparison.Ordinal);
        Assert.Contains(Accepted, await ldap.RcptAsync("StartTls", "known@other.example.test"), StringComparison.Ordinal);
        Assert.Contains("550 5.1.1", await ldap.RcptAsync("StartTls", "ghost@example.test"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_recipient_cannot_widen_the_filter()
    {
        // Unescaped, "(mail=*@example.test)" would match every entry of the domain.
        Assert.Contains("550 5.1.1", await ldap.RcptAsync("Plain", "*@example.test"), StringComparison.Ordinal);
        Assert.Contains("550 5.1.1", await ldap.RcptAsync("StartTls", "*@example.test"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_whose_certificate_does_not_name_the_host_is_not_asked()
    {
        Assert.Contains("451 4.4.3", await ldap.RcptAsync("WrongName", "known@example.test"), StringComparison.Ordinal);
        await ldap.WaitForLogAsync("LDAP accept query failed (profile WrongName): TLS failed: certificate names localhost, none of 127.0.0.1");
    }

    [Fact]
    public async Task A_directory_that_demands_a_client_certificate_accepts_the_LDAP_client_certificate_only()
    {
        Assert.Contains("451 4.4.3", await ldap.RcptAsync("Demanding", "known@example.test"), StringComparison.Ordinal);
        await ldap.WaitForLogAsync("LDAP accept query failed (profile Demanding)");

        var m = ldap.Cluster.Manager;
        (await m.LoadConfigAsync("ldap_global: {certificate: ldap-client}", machine: "node1", merge: true)).Succeeded();
        await ldap.Node.WaitAppliedAsync(await m.CommitAsync("LDAP client certificate"));

        Assert.Contains(Accepted, await ldap.RcptAsync("Demanding", "known@example.test"), StringComparison.Ordinal);
        Assert.Contains("550 5.1.1", await ldap.RcptAsync("Demanding", "nobody@example.test"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_directory_that_is_down_defers_recipients_and_is_asked_again_when_back()
    {
        Assert.Contains(Accepted, await ldap.RcptAsync("Outage", "known@example.test"), StringComparison.Ordinal);

        await ldap.Outage.StopAsync();
        var down = await ldap.RcptAsync("Outage", "second@example.test");
        // A known answer is kept for the cache time; a new recipient is never guessed.
        Assert.Contains(Accepted, await ldap.RcptAsync("Outage", "known@example.test"), StringComparison.Ordinal);
        await ldap.Outage.StartAsync();
        var back = await ldap.RcptAsync("Outage", "second@example.test");

        Assert.Contains("451 4.4.3 <second@example.test>: Recipient address verification failed", down, StringComparison.Ordinal);
        Assert.Contains(Accepted, back, StringComparison.Ordinal);
        await ldap.WaitForLogAsync("To: <second@example.test> Deferred: LDAP accept query failed (profile Outage): cannot connect to localhost:");
    }

    [Fact]
    public async Task Sessions_probing_unknown_recipients_at_once_share_the_profiles_two_connections()
    {
        var before = ldap.Open.Connections();
        // Twelve sessions at once, ten uncached unknown recipients each: 120 lookups, StartTLS and a bind each if unpooled.
        var sessions = await Task.WhenAll(Enumerable.Range(0, 12).Select(s =>
            Swaks.SendAsync(ldap.Listeners["Pooled"], string.Join(",", Enumerable.Range(0, 10).Select(r => $"probe{s}-{r}@example.test")), "--quit-after", "RCPT")));

        var answers = sessions.SelectMany(s => s.Output.Split('\n')).Where(l => l.StartsWith("<** ", StringComparison.Ordinal) || l.StartsWith("<-  250 2.1.5", StringComparison.Ordinal)).ToList();
        Assert.True(answers.Count(a => a.Contains("550 5.1.1", StringComparison.Ordinal)) >= 100, string.Join("\n", answers.Take(20)));
        Assert.All(answers, a => Assert.Matches("550 5.1.1|451 4.4.3", a));
        var opened = ldap.Open.Connections() - before;
        Assert.InRange(opened, 1, 2);
    }

    [Fact]
    public async Task With_a_case_exact_attribute_an_address_in_other_letters_is_another_address()
    {
        // labeledURI matches case-exactly: ALICE's "unknown" must not be kept for alice.
        Assert.Contains("550 5.1.1", await ldap.RcptAsync("CaseExact", "KNOWN@example.test"), StringComparison.Ordinal);
        Assert.Contains(Accepted, await ldap.RcptAsync("CaseExact", "known@example.test"), StringComparison.Ordinal);
    }
}
