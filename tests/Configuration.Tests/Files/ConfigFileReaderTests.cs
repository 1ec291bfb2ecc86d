using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Configuration.Tests.Files;

public sealed class ConfigFileReaderTests
{
    [Fact]
    public void Reads_enums_without_prefix_and_in_any_case()
    {
        var level = ConfigFileReader.ReadLevel(
            "mail_flow_policies:\n  - name: P\n    behavior: ACCEPT\n    tls: Required\ndestination_controls:\n  - domain: default\n    tls: required-verify\n",
            "f.yaml");

        Assert.Equal(PolicyBehavior.Accept, level.MailFlowPolicies[0].Behavior);
        Assert.Equal(InboundTls.Required, level.MailFlowPolicies[0].Tls);
        Assert.Equal(OutboundTls.RequiredVerify, level.DestinationControls[0].Tls);
    }

    [Fact]
    public void Reads_json_too()
    {
        var level = ConfigFileReader.ReadLevel("{\"listeners\": [{\"name\": \"In\", \"port\": 25, \"type\": \"public\"}]}", "f.json");

        Assert.Equal(25u, level.Listeners[0].Port);
        Assert.Equal(ListenerType.Public, level.Listeners[0].Type);
    }

    [Fact]
    public void Every_error_names_file_line_and_field()
    {
        const string yaml = """
            listeners:
              - name: In
                port: twenty-five
                colour: blue
            mail_flow_policies:
              - name: P
                tls: sometimes
            """;

        var e = Assert.Throws<ConfigFileException>(() => ConfigFileReader.ReadLevel(yaml, "site.yaml"));

        Assert.Equal(3, e.Errors.Count);
        Assert.Contains(e.Errors, x => x is { File: "site.yaml", Line: 3, Field: "listeners[0].port" } && x.Message.Contains("twenty-five", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x is { Line: 4, Field: "listeners[0].colour" } && x.Message.StartsWith("unknown field", StringComparison.Ordinal));
        Assert.Contains(e.Errors, x => x is { Line: 7, Field: "mail_flow_policies[0].tls" } && x.Message.Contains("off, preferred, required", StringComparison.Ordinal));
        Assert.StartsWith("site.yaml:3:", e.Errors.Single(x => x.Line == 3).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Broken_yaml_is_reported_with_its_position()
    {
        var e = Assert.Throws<ConfigFileException>(() => ConfigFileReader.ReadLevel("listeners:\n  - name: [unclosed\n", "bad.yaml"));

        var error = Assert.Single(e.Errors);
        Assert.Equal("bad.yaml", error.File);
        Assert.True(error.Line >= 2);
    }

    [Fact]
    public void A_list_where_a_mapping_belongs_is_an_error()
    {
        var e = Assert.Throws<ConfigFileException>(() => ConfigFileReader.ReadLevel("system: [1, 2]", "x.yaml"));

        Assert.Equal("system", Assert.Single(e.Errors).Field);
    }

    [Fact]
    public void A_whole_configuration_file_has_cluster_and_machines()
    {
        var set = ConfigFileReader.ReadSet("cluster:\n  hostname: ''\nmachines:\n  node1:\n    hostname: mx1.example.com\n", "all.yaml");

        Assert.Equal("mx1.example.com", set.Machines["node1"].Hostname);
        Assert.NotNull(set.Cluster);
    }

    [Fact]
    public void A_file_without_cluster_or_machines_is_a_cluster_level()
    {
        var set = ConfigFileReader.ReadSet("alert_settings: {from_address: gw@example.com}", "c.yaml");

        Assert.Equal("gw@example.com", set.Cluster.AlertSettings.FromAddress);
        Assert.Empty(set.Machines);
    }

    [Fact]
    public void What_the_writer_writes_the_reader_reads_back()
    {
        var level = new LevelConfig
        {
            Hostname = "mx1.example.com",
            Certificates = { new Certificate { Name = "c", CertificatePem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", Demo = true } },
            MailFlowPolicies = { new MailFlowPolicy { Name = "P", Behavior = PolicyBehavior.Tcprefuse, MaxMessageSizeBytes = 10_485_760 } },
            DestinationControls = { new DestinationControl { Domain = "default", Tls = OutboundTls.PreferredVerify } },
            System = new SystemSettings { DnsServers = { "127.0.0.53:5353" } },
        };

        var text = ConfigFileWriter.Write(level);

        Assert.Equal(level, ConfigFileReader.ReadLevel(text, "round.yaml"));
        Assert.Contains("behavior: tcprefuse", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_writer_annotates_entities_and_groups()
    {
        var level = ConfigFileReader.ReadLevel("mail_flow_policies: [{name: P, behavior: accept}]\nsystem: {dns_servers: [127.0.0.1]}", "a.yaml");

        var text = ConfigFileWriter.Write(level, path => path is "mail_flow_policies[P]" or "system" ? $"from {path}" : null);

        Assert.Contains("# from mail_flow_policies[P]", text, StringComparison.Ordinal);
        Assert.Contains("# from system", text, StringComparison.Ordinal);
    }
}
