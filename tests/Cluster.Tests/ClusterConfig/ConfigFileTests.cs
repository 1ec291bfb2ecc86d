namespace Gatehouse.Cluster.Tests.ClusterConfig;

/// <summary>CL-8: saveconfig, loadconfig and the effective view.</summary>
public sealed class ConfigFileTests
{
    [Fact]
    public async Task A_configuration_saved_with_encrypted_keys_loads_back_with_its_passphrase()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        await cluster.Manager.LoadConfigAsync("hostname: mx1.example.com", machine: "node1");
        await cluster.Manager.CommitAsync("machine host name");
        var passphrase = Path.Combine(cluster.Root, "passphrase");
        await File.WriteAllTextAsync(passphrase, "correct horse battery\n");
        var saved = Path.Combine(cluster.Root, "saved.yaml");

        (await cluster.Manager.CliAsync("saveconfig", "--out", saved, "--keys", "encrypt", "--passphrase-file", passphrase)).Succeeded();
        var text = await File.ReadAllTextAsync(saved);
        Assert.Contains("pbe:v1:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.Contains("node1:", text, StringComparison.Ordinal);

        var wrong = Path.Combine(cluster.Root, "wrong");
        await File.WriteAllTextAsync(wrong, "wrong horse battery\n");
        var refused = await cluster.Manager.CliAsync("loadconfig", saved, "--passphrase-file", wrong);
        Assert.Contains("wrong passphrase", refused.Error, StringComparison.Ordinal);

        (await cluster.Manager.CliAsync("loadconfig", saved, "--passphrase-file", passphrase)).Succeeded();
        var changes = (await cluster.Manager.CliAsync("showchanges")).Succeeded().Output;
        Assert.Contains("No differences from the committed configuration", changes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_saved_with_masked_keys_cannot_be_loaded()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var saved = Path.Combine(cluster.Root, "masked.yaml");
        (await cluster.Manager.CliAsync("saveconfig", "--out", saved)).Succeeded();

        var result = await cluster.Manager.CliAsync("loadconfig", saved);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("masked private keys", result.Error, StringComparison.Ordinal);
        Assert.Contains("No pending changes", (await cluster.Manager.CliAsync("showchanges")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_effective_view_says_where_each_value_comes_from()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        await cluster.Manager.LoadConfigAsync("hostname: mx1.example.com\nmail_flow_policies: [{name: ACCEPTED, behavior: accept, tls: required}]", machine: "node1");
        await cluster.Manager.CommitAsync("override ACCEPTED on node1");

        var view = (await cluster.Manager.CliAsync("showconfig", "--machine", "node1", "--effective")).Succeeded().Output;

        Assert.Matches(@"# level: machine\s+- name: ACCEPTED\s+behavior: accept\s+tls: required", view);
        Assert.Matches(@"# level: cluster\s+- name: BLOCKED", view);
        Assert.Contains("private_key_pem: '*****'", view, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_files_stage_and_apply_on_a_node()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var samples = Path.Combine(Binaries.RepositoryRoot, "deploy", "samples");

        (await cluster.Manager.CliAsync("loadconfig", Path.Combine(samples, "cluster.yaml"), "--merge")).Succeeded();
        (await cluster.Manager.CliAsync("loadconfig", Path.Combine(samples, "machine-node1.yaml"), "--machine", "node1")).Succeeded();
        var changes = (await cluster.Manager.CliAsync("showchanges")).Succeeded().Output;
        var version = await cluster.Manager.CommitAsync("samples");

        Assert.Contains("+ cluster listeners[IncomingMail]", changes, StringComparison.Ordinal);
        Assert.Contains("+ cluster mail_flow_policies[PARTNERS]", changes, StringComparison.Ordinal);
        Assert.Contains("+ machine node1 (new machine level)", changes, StringComparison.Ordinal);
        await cluster.Node("node1").WaitAppliedAsync(version);
        var config = (await cluster.Manager.CliAsync("showconfig")).Succeeded().Output;
        Assert.Contains("name: demo", config, StringComparison.Ordinal);
    }
}
