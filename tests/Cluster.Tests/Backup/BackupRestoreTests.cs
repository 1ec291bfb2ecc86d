using System.Net;

namespace Gatehouse.Cluster.Tests.Backup;

/// <summary>
/// A manager lost with its data directory comes back from its backup — on a new directory with
/// the file store, or into Redis — and its nodes reconnect with their own certificates, without
/// joining again.
/// </summary>
public sealed class BackupRestoreTests
{
    [Fact]
    public async Task Backup_destroy_restore_brings_the_nodes_back_without_joining_on_the_file_store_and_into_Redis()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 2);
        var m = cluster.Manager;
        (await m.LoadConfigAsync("alert_settings: {from_address: before-backup@example.com}", merge: true)).Succeeded();
        await m.CommitAsync("before the backup");
        const string Password = "restored-gui-password";
        (await m.CliWithInputAsync($"{Password}\n{Password}\n", "users", "add", "carol")).Succeeded();
        var readerToken = (await m.CliAsync("tokens", "create", "reader", "--role", "read-only")).Succeeded().LastLine;
        var readerFile = Path.Combine(cluster.Root, "reader.token");
        await File.WriteAllTextAsync(readerFile, readerToken + "\n");
        var passphrase = Path.Combine(cluster.Root, "backup.passphrase");
        await File.WriteAllTextAsync(passphrase, "correct horse battery staple\n");
        var wrong = Path.Combine(cluster.Root, "wrong.passphrase");
        await File.WriteAllTextAsync(wrong, "not the passphrase at all\n");
        var backup = Path.Combine(cluster.Root, "manager.backup");
        (await m.CliAsync("backup", "--out", backup, "--passphrase-file", passphrase)).Succeeded();
        var history = (await m.Http.GetJsonAsync("api/v1/history")).AsArray().Count;
        Assert.DoesNotContain("BEGIN", await File.ReadAllTextAsync(backup), StringComparison.Ordinal);

        // The manager and its data directory are gone.
        await m.StopAsync();
        Directory.Delete(m.DataDir, recursive: true);

        // A wrong passphrase restores nothing.
        var refused = await ManagedProcess.RunAsync(Binaries.Manager, ["restore", backup, "--data-dir", m.DataDir, "--passphrase-file", wrong]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("wrong passphrase", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(m.DataDir, "ca", "ca.key")));

        (await ManagedProcess.RunAsync(Binaries.Manager, ["restore", backup, "--data-dir", m.DataDir, "--passphrase-file", passphrase])).Succeeded();
        // A second restore onto it is refused: it holds a manager now.
        Assert.Contains("already holds a manager", (await ManagedProcess.RunAsync(Binaries.Manager, ["restore", backup, "--data-dir", m.DataDir, "--passphrase-file", passphrase])).Error, StringComparison.Ordinal);
        await m.StartAsync();
        await AssertBackAsync(cluster, m, history, readerFile, Password);

        // A backup of the restored manager, into Redis for a manager on the same address: the nodes follow it there too.
        var again = Path.Combine(cluster.Root, "again.backup");
        (await m.CliAsync("backup", "--out", again, "--passphrase-file", passphrase)).Succeeded();
        await m.StopAsync();
        await using var redis = await RedisServer.StartAsync(Path.Combine(cluster.Root, "redis"));
        await using var onRedis = new ManagerInstance(cluster.Root, m.Endpoint.Address, "on-redis", redis.Uri, m.Endpoint.Port);
        (await ManagedProcess.RunAsync(Binaries.Manager, ["restore", again, "--data-dir", onRedis.DataDir, "--store", redis.Uri.ToString(), "--passphrase-file", passphrase])).Succeeded();
        await onRedis.StartAsync();
        await AssertBackAsync(cluster, onRedis, history + 1, readerFile, Password);
    }

    // Both nodes reconnect on their own, the history, users and tokens are back, and a new commit reaches the nodes.
    private static async Task AssertBackAsync(TestCluster cluster, ManagerInstance manager, int history, string readerFile, string password)
    {
        await Wait.UntilAsync(async () => (await manager.NodesAsync()).All(n => (bool)n!["connected"]!) && (await manager.NodesAsync()).Count == 2, "both nodes reconnect");
        Assert.Equal(history, (await manager.Http.GetJsonAsync("api/v1/history")).AsArray().Count);
        Assert.Contains("\"api-token create\"", (await manager.Http.GetJsonAsync("api/v1/audit")).ToJsonString(), StringComparison.Ordinal);
        (await manager.CliAsync("history", "--manager", manager.Url.ToString(), "--api-token-file", readerFile, "--ca-file", manager.CaFile)).Succeeded();
        using (var gui = Security.GuiBrowser.Open(manager))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await Security.GuiBrowser.LoginAsync(gui, "carol", password)).Status);
        }

        (await manager.LoadConfigAsync($"alert_settings: {{from_address: after-restore-{history}@example.com}}", merge: true)).Succeeded();
        var next = await manager.CommitAsync("after the restore");
        await cluster.Node("node1").WaitAppliedAsync(next);
        await cluster.Node("node2").WaitAppliedAsync(next);
    }
}
