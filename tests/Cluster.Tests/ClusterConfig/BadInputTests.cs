using System.Net;

namespace Gatehouse.Cluster.Tests.ClusterConfig;

/// <summary>Bad input gets a clear error and changes nothing.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task Wrong_expired_and_reused_tokens_are_refused_with_a_clear_message()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var token = await cluster.Manager.CreateTokenAsync();
        var parts = token.Split('.');
        var node = cluster.NewNode("n1");

        var wrong = await node.JoinAsync(cluster.Manager, $"gh1.{parts[1]}.{new string('0', 32)}.{parts[3]}");
        Assert.Equal((1, "gatehouse-node: error: join refused: the join token is not valid for this cluster"), (wrong.ExitCode, wrong.Error.Trim()));

        var malformed = await node.JoinAsync(cluster.Manager, "not-a-token");
        Assert.Contains("the join token is malformed", malformed.Error, StringComparison.Ordinal);

        (await node.JoinAsync(cluster.Manager, token)).Succeeded();
        var reused = await cluster.NewNode("n2").JoinAsync(cluster.Manager, token);
        Assert.Contains("join refused: the join token was already used", reused.Error, StringComparison.Ordinal);

        var shortLived = await cluster.Manager.CliAsync("token", "create", "--ttl", "1s");
        var expiry = DateTimeOffset.Parse(
            System.Text.RegularExpressions.Regex.Match(shortLived.Output, @"valid until (\S+ \S+):").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        await Wait.UntilAsync(() => DateTimeOffset.UtcNow > expiry.AddSeconds(1), "the token has expired");
        var expired = await cluster.NewNode("n3").JoinAsync(cluster.Manager, shortLived.LastLine);
        Assert.Contains("join refused: the join token has expired", expired.Error, StringComparison.Ordinal);

        Assert.Equal(["n1"], (await cluster.Manager.NodesAsync()).Select(n => (string)n!["name"]!));
    }

    [Fact]
    public async Task A_token_pinned_to_another_clusters_CA_is_refused_by_the_node()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        await using var other = await TestCluster.StartAsync(nodes: 0);
        var foreignToken = await other.Manager.CreateTokenAsync();
        var node = cluster.NewNode("n1");

        var result = await node.JoinAsync(cluster.Manager, foreignToken);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("does not match the CA pinned in the join token", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(node.DataDir, "node.json")));
        Assert.Empty(await cluster.Manager.NodesAsync());
    }

    [Fact]
    public async Task A_node_certificate_from_another_cluster_is_refused_and_the_node_says_why()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        await using var other = await TestCluster.StartAsync(nodes: 0);
        var node = other.NewNode("stranger");
        (await node.JoinAsync(other.Manager, await other.Manager.CreateTokenAsync())).Succeeded();
        // Point the node at the first cluster's manager and make it trust that CA.
        var identity = Path.Combine(node.DataDir, "node.json");
        await File.WriteAllTextAsync(identity, (await File.ReadAllTextAsync(identity)).Replace(other.Manager.Url.ToString(), cluster.Manager.Url.ToString(), StringComparison.Ordinal));
        File.Copy(cluster.Manager.CaFile, Path.Combine(node.DataDir, "tls", "cluster-ca.crt"), overwrite: true);

        node.Start();

        // Refused, and says so; a refused certificate does not stop the node (only a removal does).
        await Wait.UntilAsync(() => node.Status().LastError.Contains("the node certificate is not signed by this cluster's CA", StringComparison.Ordinal),
            "the node's status says why it is refused");
        Assert.False(node.Process.HasExited);
        Assert.Empty(await cluster.Manager.NodesAsync());
    }

    [Fact]
    public async Task A_malformed_configuration_file_names_file_line_and_field_and_stages_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);

        var result = await cluster.Manager.LoadConfigAsync("mail_flow_policies:\n  - name: P\n    behavior: sometimes\n    colour: red\n");

        Assert.Equal(1, result.ExitCode);
        Assert.Matches(@"stage-\w+\.yaml:3:15: mail_flow_policies\[0\]\.behavior: 'sometimes' is not a valid value", result.Error);
        Assert.Matches(@"stage-\w+\.yaml:4:5: mail_flow_policies\[0\]\.colour: unknown field", result.Error);
        Assert.Contains("No pending changes", (await cluster.Manager.CliAsync("showchanges")).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_commit_with_several_errors_reports_them_all_and_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        (await cluster.Manager.LoadConfigAsync("""
            mail_flow_policies: [{name: P}]
            listeners: [{name: In, type: public, interface: Data9, port: 25}]
            destination_controls: [{domain: default}]
            """)).Succeeded();
        (await cluster.Manager.LoadConfigAsync("hostname: 'bad name!'", machine: "node1")).Succeeded();
        var historyBefore = (await cluster.Manager.CliAsync("history")).Output;

        var result = await cluster.Manager.CliAsync("commit", "--comment", "broken");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("commit refused, nothing changed: 4 error(s)", result.Error, StringComparison.Ordinal);
        Assert.Contains("node1: mail_flow_policies[P].behavior: is required", result.Error, StringComparison.Ordinal);
        Assert.Contains("node1: listeners[In].interface: IP interface 'Data9' does not exist", result.Error, StringComparison.Ordinal);
        Assert.Contains("node1: destination_controls[default].tls: is required", result.Error, StringComparison.Ordinal);
        Assert.Contains("node1: hostname: 'bad name!' is not a valid host name", result.Error, StringComparison.Ordinal);
        Assert.Equal(historyBefore, (await cluster.Manager.CliAsync("history")).Output);
        Assert.Contains("Pending changes on version 1", (await cluster.Manager.CliAsync("showchanges")).Output, StringComparison.Ordinal);
        Assert.Equal(1, cluster.Node("node1").Status().AppliedVersion);
    }

    [Fact]
    public async Task The_admin_API_refuses_requests_without_the_admin_token()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        using var anonymous = new AdminHttp(cluster.Manager.Url, cluster.Manager.CaFile, token: null);
        using var forged = new AdminHttp(cluster.Manager.Url, cluster.Manager.CaFile, token: "gha_forged");

        using var noToken = await anonymous.SendAsync(HttpMethod.Get, "api/v1/nodes");
        using var badToken = await forged.SendAsync(HttpMethod.Post, "api/v1/commit", "{\"comment\":\"x\"}");

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
        var mode = File.GetUnixFileMode(cluster.Manager.TokenFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }
}
