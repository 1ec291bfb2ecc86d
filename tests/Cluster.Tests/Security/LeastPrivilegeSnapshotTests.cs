using System.Text.Json.Nodes;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>A node holds the secrets of what it uses and nothing else: one broken into gives away no more.</summary>
public sealed class LeastPrivilegeSnapshotTests
{
    [Fact]
    public async Task A_nodes_last_good_snapshot_holds_no_key_or_password_it_does_not_use_and_never_the_managers_own()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var m = cluster.Manager;
        var serving = cluster.Node("node1");
        var idle = cluster.Node("node2");
        foreach (var name in new[] { "inbound", "spare", "gui" })
        {
            (await m.CliAsync("certconfig", "new", name, "--cn", $"{name}.example.test")).Succeeded();
        }

        (await m.LoadConfigAsync("""
            manager: {https_certificate: gui}
            destination_global: {}
            mail_flow_policies: [{name: P, behavior: accept, tls: preferred}]
            ldap_profiles:
              - {name: Used, host: ldap.example.test, port: 636, security: ldaps, bind_dn: 'cn=gatehouse,dc=example,dc=test', bind_password: used-secret, base_dn: 'dc=example,dc=test', accept_query: '(mail={a})'}
              - {name: Unused, host: ldap.example.test, port: 636, security: ldaps, bind_dn: 'cn=other,dc=example,dc=test', bind_password: unused-secret, base_dn: 'dc=example,dc=test', accept_query: '(mail={a})'}
            """, merge: true)).Succeeded();
        (await m.LoadConfigAsync($"""
            ip_interfaces: [{"{"}name: Data1, address: {serving.Address}{"}"}]
            listeners: [{"{"}name: In, type: public, interface: Data1, port: {FreePort.On(serving.Address)}, default_policy: P, certificate: inbound, ldap_accept_profile: Used, recipient_access_table: [{"{"}recipient: example.test, action: accept{"}"}]{"}"}]
            """, machine: "node1", merge: true)).Succeeded();
        var version = await m.CommitAsync("node1 serves with one certificate and one LDAP profile");
        await serving.WaitAppliedAsync(version);
        await idle.WaitAppliedAsync(version);

        var served = LastGood(serving);
        Assert.Equal(["inbound"], KeysHeld(served));
        Assert.Equal(["Used"], PasswordsHeld(served));
        Assert.Null(served["cluster"]!["manager"]);

        var unused = LastGood(idle);
        Assert.Empty(KeysHeld(unused));
        Assert.Empty(PasswordsHeld(unused));
        Assert.Null(unused["cluster"]!["manager"]);
        // The certificates themselves are there (their expiry is in the node's metrics), only not their keys.
        Assert.Equal(["demo", "gui", "inbound", "spare"], Certificates(unused).Select(c => (string)c["name"]!).Order(StringComparer.Ordinal));
        var text = await File.ReadAllTextAsync(Path.Combine(idle.DataDir, "state", "last-good.json"));
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
    }

    private static JsonNode LastGood(NodeInstance node) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(node.DataDir, "state", "last-good.json")))!;

    private static IEnumerable<JsonNode> Certificates(JsonNode snapshot) =>
        new[] { "cluster", "group", "machine" }.SelectMany(level => snapshot[level]?["certificates"]?.AsArray() ?? []).Select(c => c!);

    private static List<string> KeysHeld(JsonNode snapshot) =>
        [.. Certificates(snapshot).Where(c => ((string?)c["private_key_pem"] ?? "").Length > 0).Select(c => (string)c["name"]!).Order(StringComparer.Ordinal)];

    private static List<string> PasswordsHeld(JsonNode snapshot) =>
        [.. new[] { "cluster", "group", "machine" }.SelectMany(level => snapshot[level]?["ldap_profiles"]?.AsArray() ?? [])
            .Where(p => ((string?)p!["bind_password"] ?? "").Length > 0).Select(p => (string)p!["name"]!).Order(StringComparer.Ordinal)];
}
