using System.Net;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>
/// SEC-1 and CL-9 against the running manager, with curl as an attacker would use it: the path's
/// spelling never opens the admin API, and a node certificate never passes for the manager.
/// </summary>
public sealed class AdminAccessTests
{
    [Fact]
    public async Task The_admin_API_refuses_a_caller_without_the_token_in_any_spelling_of_the_path()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var manager = cluster.Manager;

        foreach (var (method, path) in new[]
                 {
                     ("GET", "/api/v1/nodes"), ("GET", "/API/v1/nodes"), ("GET", "/Api/V1/Nodes"), ("GET", "/%61pi/v1/nodes"),
                     ("GET", "/%41PI/v1/config"), ("GET", "/x/../API/v1/audit"), ("POST", "/API/v1/config/export"), ("POST", "/Api/v1/tokens"),
                 })
        {
            Assert.Equal((path, "401"), (path, await CurlAsync(manager, method, path, token: null)));
        }

        var token = (await File.ReadAllTextAsync(manager.TokenFile)).Trim();
        Assert.Equal("200", await CurlAsync(manager, "GET", "/API/v1/nodes", token));
        Assert.Equal("401", await CurlAsync(manager, "GET", "/API/v1/nodes", token + "x"));
        Assert.Equal("302", await CurlAsync(manager, "GET", "/CERTIFICATES", token: null));
        var audit = await manager.CliAsync("audit");
        Assert.DoesNotContain("token create", audit.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Named_tokens_act_in_their_role_are_named_in_the_audit_log_and_are_revoked_alone()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var manager = cluster.Manager;
        var created = (await manager.CliAsync("tokens", "create", "ci-pipeline", "--role", "operator")).Succeeded();
        var operatorToken = created.LastLine;
        var readOnlyToken = (await manager.CliAsync("tokens", "create", "auditor", "--role", "read-only")).Succeeded().LastLine;
        var operatorFile = Path.Combine(cluster.Root, "operator.token");
        await File.WriteAllTextAsync(operatorFile, operatorToken + "\n");

        // The operator stages and commits through the CLI with its own token; it may not touch keys or tokens.
        var asOperator = new[] { "--manager", manager.Url.ToString(), "--api-token-file", operatorFile, "--ca-file", manager.CaFile };
        (await manager.CliAsync(["loadconfig", await StageFileAsync(cluster, "alert_settings: {from_address: ops@example.com}"), .. asOperator])).Succeeded();
        (await manager.CliAsync(["commit", "--comment", "by the pipeline", .. asOperator])).Succeeded();
        Assert.Equal("403", await CurlAsync(manager, "POST", "/api/v1/certificates/selfsigned", operatorToken));
        Assert.Equal("403", await CurlAsync(manager, "POST", "/API/v1/Api-Tokens", operatorToken));
        // Read-only reads, and nothing more.
        Assert.Equal("200", await CurlAsync(manager, "GET", "/api/v1/history", readOnlyToken));
        Assert.Equal("403", await CurlAsync(manager, "POST", "/api/v1/commit", readOnlyToken));

        var audit = (await manager.CliAsync("audit")).Succeeded().Output;
        Assert.Contains("token ci-pipeline", audit, StringComparison.Ordinal);
        Assert.Contains("api-token create", audit, StringComparison.Ordinal);
        var listed = (await manager.CliAsync("tokens", "list")).Succeeded().Output;
        Assert.Matches(@"(?m)^ci-pipeline\s+operator\s+admin\s", listed);
        Assert.DoesNotContain(operatorToken, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(operatorToken, await File.ReadAllTextAsync(Path.Combine(manager.DataDir, "store", "api-tokens", "ci-pipeline.json")), StringComparison.Ordinal);

        (await manager.CliAsync("tokens", "revoke", "ci-pipeline")).Succeeded();
        Assert.Equal("401", await CurlAsync(manager, "GET", "/api/v1/history", operatorToken));
        Assert.Equal("200", await CurlAsync(manager, "GET", "/api/v1/history", readOnlyToken));
    }

    private static async Task<string> StageFileAsync(TestCluster cluster, string yaml)
    {
        var file = Path.Combine(cluster.Root, $"stage-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        return file;
    }

    [Fact]
    public async Task A_node_may_not_take_a_name_of_the_manager()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);

        var refused = await cluster.NewNode("localhost").JoinAsync(cluster.Manager, await cluster.Manager.CreateTokenAsync());

        Assert.Contains("join refused: 'localhost' is a name of the manager", refused.Error, StringComparison.Ordinal);
        Assert.Empty(await cluster.Manager.NodesAsync());
    }

    [Fact]
    public async Task A_certificate_of_the_cluster_CA_for_client_use_does_not_pass_for_the_manager()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "poser")).FullName;
        var manager = cluster.Manager;

        // What a node named 'localhost' held before: CN and SAN localhost, issued by the cluster CA, client use.
        var asNode = await PoseAsync(manager, work, "clientAuth");
        var asServer = await PoseAsync(manager, work, "serverAuth");

        Assert.Contains("cannot reach the manager", asNode.Error, StringComparison.Ordinal);
        Assert.Contains("certificate", asNode.Error, StringComparison.OrdinalIgnoreCase);
        // The control: with server use the TLS check passes and the CLI fails only on the poser's answer.
        Assert.DoesNotContain("certificate", asServer.Error, StringComparison.OrdinalIgnoreCase);
    }

    // Runs 'gatehouse-manager nodes list' against an openssl s_server holding a CA-issued certificate of that use.
    private static async Task<CommandResult> PoseAsync(ManagerInstance manager, string work, string usage)
    {
        var key = Path.Combine(work, $"{usage}.key");
        var csr = Path.Combine(work, $"{usage}.csr");
        var certificate = Path.Combine(work, $"{usage}.crt");
        var extensions = Path.Combine(work, $"{usage}.ext");
        await File.WriteAllTextAsync(extensions, $"extendedKeyUsage = {usage}\nsubjectAltName = DNS:localhost, IP:127.0.0.1\n");
        await OpenSsl.OkAsync(work, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj", "/CN=localhost", "-out", csr);
        await OpenSsl.OkAsync(work, "x509", "-req", "-in", csr, "-CA", manager.CaFile, "-CAkey", Path.Combine(manager.DataDir, "ca", "ca.key"),
            "-CAcreateserial", "-days", "30", "-extfile", extensions, "-out", certificate);
        var port = FreePort.On(IPAddress.Loopback);
        using var server = ManagedProcess.StartExecutable("openssl",
            ["s_server", "-accept", $"127.0.0.1:{port}", "-cert", certificate, "-key", key, "-www", "-quiet"], Path.Combine(work, $"{usage}.log"));
        await Wait.UntilAsync(() => FreePort.Accepts(new IPEndPoint(IPAddress.Loopback, port)), "openssl s_server accepts");
        var result = await manager.CliAsync("nodes", "list", "--manager", $"https://localhost:{port}", "--api-token-file", manager.TokenFile, "--ca-file", manager.CaFile);
        await server.StopAsync();
        return result;
    }

    private static async Task<string> CurlAsync(ManagerInstance manager, string method, string path, string? token)
    {
        var url = manager.Url.GetLeftPart(UriPartial.Authority) + path;
        List<string> arguments = ["-s", "--path-as-is", "--cacert", manager.CaFile, "-o", "/dev/null", "-w", "%{http_code}", "-X", method];
        if (token is not null)
        {
            arguments.AddRange(["-H", $"Authorization: Bearer {token}"]);
        }

        if (method == "POST")
        {
            arguments.AddRange(["-H", "Content-Type: application/json", "--data", "{\"keys\": \"plain\", \"ttl_seconds\": 3600}"]);
        }

        arguments.Add(url);
        return (await ManagedProcess.RunProgramAsync("curl", arguments)).Succeeded().Output.Trim();
    }
}
