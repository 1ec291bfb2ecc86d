using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Files;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Tests.Merge;

public sealed class ConfigMergeTests
{
    // cluster level, machine level, expected effective configuration, expected provenance
    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        {
            "empty levels give an empty configuration",
            "", "", "{}", ""
        },
        {
            "cluster entities pass through",
            "mail_flow_policies: [{name: A, behavior: accept}]", "",
            "mail_flow_policies: [{name: A, behavior: accept}]",
            "mail_flow_policies[A]=Cluster"
        },
        {
            "machine entity replaces the cluster one of the same name, in place",
            "mail_flow_policies: [{name: A, behavior: accept}, {name: B, behavior: reject}]",
            "mail_flow_policies: [{name: A, behavior: relay, tls: required}]",
            "mail_flow_policies: [{name: A, behavior: relay, tls: required}, {name: B, behavior: reject}]",
            "mail_flow_policies[A]=Machine;mail_flow_policies[B]=Cluster"
        },
        {
            "machine-only entities follow the cluster ones",
            "sender_groups: [{name: G1, policy: A}]",
            "sender_groups: [{name: G2, policy: B}]",
            "sender_groups: [{name: G1, policy: A}, {name: G2, policy: B}]",
            "sender_groups[G1]=Cluster;sender_groups[G2]=Machine"
        },
        {
            "destination controls merge by domain",
            "destination_controls: [{domain: default, tls: preferred}, {domain: a.example, tls: required}]",
            "destination_controls: [{domain: a.example, tls: required_verify}]",
            "destination_controls: [{domain: default, tls: preferred}, {domain: a.example, tls: required_verify}]",
            "destination_controls[a.example]=Machine;destination_controls[default]=Cluster"
        },
        {
            "a settings group set at machine level replaces the cluster one whole",
            "destination_global: {certificate: c1, alert_on_required_tls_failure: true}",
            "destination_global: {certificate: c2}",
            "destination_global: {certificate: c2}",
            "destination_global=Machine"
        },
        {
            "a settings group only at cluster level is kept",
            "system: {dns_servers: [127.0.0.53]}", "ldap_global: {certificate: c}",
            "ldap_global: {certificate: c}\nsystem: {dns_servers: [127.0.0.53]}",
            "ldap_global=Machine;system=Cluster"
        },
        {
            "machine-only settings come from the machine level",
            "", "hostname: mx1.example.com\nip_interfaces: [{name: Data1, address: 127.0.0.2}]",
            "ip_interfaces: [{name: Data1, address: 127.0.0.2}]\nhostname: mx1.example.com",
            "hostname=Machine;ip_interfaces[Data1]=Machine"
        },
        {
            "an empty machine level changes nothing",
            "alert_recipients: [{address: ops@example.com}]", "",
            "alert_recipients: [{address: ops@example.com}]",
            "alert_recipients[ops@example.com]=Cluster"
        },
    };

    // cluster level, group level, machine level, expected effective configuration, expected provenance
    public static TheoryData<string, string, string, string, string, string> ThreeLevelCases => new()
    {
        {
            "an entity set at all three levels comes from the machine, in the cluster's place",
            "mail_flow_policies: [{name: A, behavior: accept}, {name: B, behavior: reject}]",
            "mail_flow_policies: [{name: A, behavior: relay}]",
            "mail_flow_policies: [{name: A, behavior: relay, tls: required}]",
            "mail_flow_policies: [{name: A, behavior: relay, tls: required}, {name: B, behavior: reject}]",
            "mail_flow_policies[A]=Machine;mail_flow_policies[B]=Cluster"
        },
        {
            "a group entity replaces the cluster one in place; group-only entities follow the cluster's, machine-only ones last",
            "destination_controls: [{domain: a.example, tls: preferred}, {domain: b.example, tls: none}]",
            "destination_controls: [{domain: c.example, tls: required}, {domain: a.example, tls: required}]",
            "destination_controls: [{domain: d.example, tls: none}]",
            "destination_controls: [{domain: a.example, tls: required}, {domain: b.example, tls: none}, {domain: c.example, tls: required}, {domain: d.example, tls: none}]",
            "destination_controls[a.example]=Group;destination_controls[b.example]=Cluster;destination_controls[c.example]=Group;destination_controls[d.example]=Machine"
        },
        {
            "a settings group set at group level replaces the cluster one whole",
            "destination_global: {certificate: c1, alert_on_required_tls_failure: true}",
            "destination_global: {certificate: c2}",
            "",
            "destination_global: {certificate: c2}",
            "destination_global=Group"
        },
        {
            "the machine level replaces a group's settings group whole",
            "", "system: {dns_servers: [127.0.0.53]}", "system: {dns_servers: [127.0.0.54]}",
            "system: {dns_servers: [127.0.0.54]}",
            "system=Machine"
        },
        {
            "a machine overrides a group's listener, the group's other listener stays",
            "",
            "listeners: [{name: In, port: 25, interface: Data1}, {name: Out, port: 587, interface: Data1}]",
            "listeners: [{name: In, port: 2525, interface: Data1}]",
            "listeners: [{name: In, port: 2525, interface: Data1}, {name: Out, port: 587, interface: Data1}]",
            "listeners[In]=Machine;listeners[Out]=Group"
        },
        {
            "an empty group level changes nothing",
            "alert_recipients: [{address: ops@example.com}]", "", "hostname: mx1.example.com",
            "alert_recipients: [{address: ops@example.com}]\nhostname: mx1.example.com",
            "alert_recipients[ops@example.com]=Cluster;hostname=Machine"
        },
    };

    [Theory]
    [MemberData(nameof(ThreeLevelCases))]
    public void Cluster_then_group_then_machine(string because, string cluster, string group, string machine, string expected, string provenance)
    {
        var result = ConfigMerge.Merge(Level(cluster), ("DC1", Level(group)), Level(machine));

        Assert.True(Level(expected).Equals(result.Config), $"{because}: got {result.Config}");
        Assert.Equal(provenance, string.Join(";", result.Provenance.Select(p => $"{p.Key}={p.Value}")));
        Assert.Equal("DC1", result.Group);
    }

    [Fact]
    public void Each_value_is_named_by_its_level_as_showconfig_marks_it()
    {
        var result = ConfigMerge.Merge(Level("hostname: a.example"), ("DC1", Level("listeners: [{name: In, port: 25}]")), Level("hostname: mx1.example"));

        Assert.Equal("group DC1", result.LevelName("listeners[In]"));
        Assert.Equal("machine", result.LevelName("hostname"));
        Assert.Equal("cluster", ConfigMerge.Merge(Level("hostname: a.example"), Level("")).LevelName("hostname"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Merge_follows_the_level_rules(string because, string cluster, string machine, string expected, string provenance)
    {
        var result = ConfigMerge.Merge(Level(cluster), Level(machine));

        Assert.True(Level(expected).Equals(result.Config), $"{because}: got {result.Config}");
        var actual = string.Join(";", result.Provenance.Select(p => $"{p.Key}={p.Value}"));
        Assert.Equal(provenance, actual);
    }

    [Fact]
    public void Merge_does_not_change_its_inputs_or_share_messages_with_them()
    {
        var cluster = Level("mail_flow_policies: [{name: A, behavior: accept}]\nsystem: {dns_servers: [127.0.0.1]}");
        var machine = Level("mail_flow_policies: [{name: B, behavior: reject}]");
        var clusterBefore = cluster.Clone();
        var machineBefore = machine.Clone();

        var result = ConfigMerge.Merge(cluster, machine);
        result.Config.MailFlowPolicies[0].Behavior = PolicyBehavior.Relay;
        result.Config.System.DnsServers.Add("127.0.0.2");

        Assert.Equal(clusterBefore, cluster);
        Assert.Equal(machineBefore, machine);
    }

    private static LevelConfig Level(string yaml) => ConfigFileReader.ReadLevel(yaml, "test.yaml");
}
