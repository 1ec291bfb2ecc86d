using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.Configuration.Files;
using Gatehouse.Configuration.Secrets;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Tests.ClusterConfig;

public sealed class ConfigurationServiceTests : IDisposable
{
    private readonly ManagerFixture manager = new();

    [Fact]
    public async Task Staged_changes_reach_no_version_until_commit()
    {
        await manager.Configuration.StageLevelAsync(LevelTarget.Cluster, Level("alert_settings: {from_address: gw@example.com}"), "alice", "set sender");

        Assert.Equal(0, (await manager.Store.GetLatestAsync()).Version);
        var view = await manager.Configuration.ShowChangesAsync();
        Assert.Equal("set sender", Assert.Single(view.Changes).Description);
        Assert.Contains("+ cluster alert_settings", view.Differences);
    }

    [Fact]
    public async Task A_groups_secrets_are_sealed_at_rest_bound_to_the_group_and_open_only_in_its_members_snapshots()
    {
        await manager.Configuration.ChangeGroupAsync("create", "DC1", null, "alice");
        await manager.Configuration.StageLevelAsync(LevelTarget.Of(null, "DC1"),
            Level("""
                ldap_profiles: [{name: dir, host: ldap.example.test, bind_dn: cn=gw, bind_password: s3cret-bind, security: ldaps}]
                listeners: [{name: In, type: public, interface: Data1, port: 25, ldap_accept_profile: dir}]
                """), "alice", "group directory");

        var stored = (await manager.Store.GetPendingAsync())!.Content.Groups["DC1"].Config.LdapProfiles[0].BindPassword;
        Assert.DoesNotContain("s3cret-bind", stored, StringComparison.Ordinal);
        Assert.True(ClusterManager.Secrets.SecretBox.IsSealed(stored));

        // Bound to its place: the same sealed text moved to the cluster level does not open.
        var moved = new LevelConfig { LdapProfiles = { new LdapProfile { Name = "dir", BindPassword = stored } } };
        Assert.ThrowsAny<Exception>(() => manager.Secrets.Open(moved, machine: null));

        // A member's snapshot carries it in the clear (its listener queries the profile); another node's has no group at all.
        var content = (await manager.Store.GetPendingAsync())!.Content.Clone();
        content.Groups["DC1"].Members.Add("node1");
        var version = new ConfigVersion { Version = 1, Content = content };
        var builder = new ClusterManager.Distribution.SnapshotBuilder(manager.Secrets);
        var member = builder.Build(version, "node1");
        Assert.Equal(("DC1", "s3cret-bind"), (member.GroupName, member.Group.LdapProfiles[0].BindPassword));
        Assert.Empty(builder.Build(version, "node2").GroupName);
    }

    [Fact]
    public async Task Edits_made_at_the_same_moment_all_land()
    {
        // As from the GUI, the CLI and another replica at once: each merges one sender group.
        var edits = Enumerable.Range(0, 8).Select(i => Task.Run(() => manager.Configuration.StageLevelAsync(
            LevelTarget.Cluster, Level($"sender_groups: [{{name: G{i}, policy: ACCEPTED, members: [10.0.0.{i}]}}]"), $"admin{i}", $"group {i}", merge: true)));

        await Task.WhenAll(edits);

        var staged = await manager.Configuration.ReadStagedAsync();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"G{i}"), staged.Cluster.SenderGroups.Select(g => g.Name).Order(StringComparer.Ordinal));
        Assert.Equal(8, (await manager.Configuration.ShowChangesAsync()).Changes.Count);
    }

    [Fact]
    public async Task Commit_creates_the_next_version_with_author_time_and_comment()
    {
        await manager.Configuration.StageLevelAsync(LevelTarget.Cluster, Level("alert_settings: {from_address: gw@example.com}"), "alice", "set sender");

        var result = await manager.Configuration.CommitAsync("first", "alice");

        Assert.Equal(1, result.Version);
        var version = (await manager.Store.GetVersionAsync(1))!;
        Assert.Equal(("alice", "first", manager.Time.GetUtcNow()), (version.Author, version.Comment, version.CommittedAt.ToDateTimeOffset()));
        Assert.Null(await manager.Store.GetPendingAsync());
    }

    [Fact]
    public async Task A_commit_with_several_errors_reports_all_and_changes_nothing()
    {
        await Commit("alert_settings: {from_address: gw@example.com}");
        var bad = Level("""
            mail_flow_policies: [{name: P}]
            sender_groups: [{name: G, policy: NOPE}]
            """);
        await manager.Configuration.StageLevelAsync(LevelTarget.Cluster, bad, "bob", "bad change");
        await manager.Configuration.StageLevelAsync("node1", Level("hostname: 'not a host name'"), "bob", "bad machine");

        var result = await manager.Configuration.CommitAsync("should fail", "bob");

        Assert.Null(result.Version);
        Assert.Contains(result.Errors, e => e.ToString() == "node1: mail_flow_policies[P].behavior: is required (accept, relay, reject, tcprefuse or continue)");
        Assert.Contains(result.Errors, e => e.ToString() == "node1: sender_groups[G].policy: mail flow policy 'NOPE' does not exist");
        Assert.Contains(result.Errors, e => e.Node == "node1" && e.Path == "hostname");
        Assert.Equal(1, (await manager.Store.GetLatestAsync()).Version);
        Assert.Equal(2, (await manager.Store.GetPendingAsync())!.Changes.Count);
    }

    [Fact]
    public async Task Clearchanges_discards_everything_pending()
    {
        await manager.Configuration.StageLevelAsync(LevelTarget.Cluster, Level("hostname: ''"), "alice", "noop");

        await manager.Configuration.ClearChangesAsync("alice");

        Assert.Empty((await manager.Configuration.ShowChangesAsync()).Changes);
        await Assert.ThrowsAsync<ChangeRejectedException>(() => manager.Configuration.CommitAsync("nothing", "alice"));
    }

    [Fact]
    public async Task Rollback_stages_the_content_of_an_earlier_version()
    {
        await Commit("alert_settings: {from_address: one@example.com}");
        await Commit("alert_settings: {from_address: two@example.com}");

        await manager.Configuration.RollbackAsync(1, "alice");
        var version = (await manager.Configuration.CommitAsync("roll back", "alice")).Version!.Value;

        Assert.Equal(3, version);
        Assert.Equal("one@example.com", (await manager.Store.GetVersionAsync(3))!.Content.Cluster.AlertSettings.FromAddress);
        await Assert.ThrowsAsync<ChangeRejectedException>(() => manager.Configuration.RollbackAsync(42, "alice"));
    }

    [Fact]
    public async Task Private_keys_are_encrypted_at_rest_and_survive_a_restart()
    {
        var certificate = TestCertificate();
        await manager.Configuration.StageLevelAsync(LevelTarget.Cluster, new LevelConfig { Certificates = { certificate } }, "alice", "add cert");
        await manager.Configuration.CommitAsync("cert", "alice");

        var onDisk = string.Concat(Directory.GetFiles(manager.DataDir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)).Select(File.ReadAllText));
        Assert.DoesNotContain("PRIVATE KEY", onDisk, StringComparison.Ordinal);

        manager.Reopen();
        var stored = (await manager.Store.GetLatestAsync()).Content;
        Assert.Equal(certificate.PrivateKeyPem, manager.Secrets.Open(stored).Cluster.Certificates[0].PrivateKeyPem);
    }

    [Fact]
    public async Task Masked_or_foreign_encrypted_keys_cannot_be_staged()
    {
        var masked = TestCertificate();
        masked.PrivateKeyPem = SecretFields.Mask;

        var e = await Assert.ThrowsAsync<ChangeRejectedException>(() =>
            manager.Configuration.StageLevelAsync(LevelTarget.Cluster, new LevelConfig { Certificates = { masked } }, "alice", "masked"));

        Assert.Contains("masked", e.Message, StringComparison.Ordinal);
        Assert.Null(await manager.Store.GetPendingAsync());
    }

    [Fact]
    public async Task Deleting_a_machine_level_is_a_version_of_its_own_and_leaves_other_pending_changes()
    {
        await manager.Configuration.StageLevelAsync("node1", Level("hostname: mx1.example.com"), "alice", "node1 host");
        await manager.Configuration.StageLevelAsync("node2", Level("hostname: mx2.example.com"), "alice", "node2 host");
        await manager.Configuration.CommitAsync("hosts", "alice");
        await manager.Configuration.StageLevelAsync("node2", Level("hostname: mx9.example.com"), "alice", "node2 rename");

        var removed = await manager.Configuration.DeleteMachineLevelAsync("node1", "alice");

        Assert.Equal(1, removed);
        var latest = await manager.Store.GetLatestAsync();
        Assert.Equal(2, latest.Version);
        Assert.False(latest.Content.Machines.ContainsKey("node1"));
        var pending = (await manager.Store.GetPendingAsync())!;
        Assert.Equal(2, pending.BaseVersion);
        Assert.False(pending.Content.Machines.ContainsKey("node1"));
        Assert.Equal(3, (await manager.Configuration.CommitAsync("rename", "alice")).Version);
    }

    [Fact]
    public async Task Pending_changes_and_history_survive_a_restart()
    {
        await Commit("alert_settings: {from_address: one@example.com}");
        await manager.Configuration.StageLevelAsync(LevelTarget.Cluster, Level("alert_settings: {from_address: two@example.com}"), "alice", "change");

        manager.Reopen();

        Assert.Single(await manager.Store.ListVersionsAsync());
        Assert.Equal("change", Assert.Single((await manager.Configuration.ShowChangesAsync()).Changes).Description);
    }

    [Fact]
    public async Task Stale_pending_changes_cannot_be_committed_over_a_newer_version()
    {
        await manager.Configuration.StageLevelAsync(LevelTarget.Cluster, Level("hostname: ''"), "alice", "change");
        var intruder = new ConfigVersion { Version = 1, Content = new ConfigurationSet { Cluster = new LevelConfig() } };
        Assert.True(await manager.Store.TryCommitAsync(intruder, clearPendingAt: null));

        await Assert.ThrowsAsync<ChangeRejectedException>(() => manager.Configuration.CommitAsync("late", "alice"));
        Assert.False(await manager.Store.TryCommitAsync(intruder, clearPendingAt: null));
    }

    public void Dispose() => manager.Dispose();

    private async Task Commit(string yaml)
    {
        await manager.Configuration.StageLevelAsync(LevelTarget.Cluster, Level(yaml), "alice", "change");
        Assert.NotNull((await manager.Configuration.CommitAsync("c", "alice")).Version);
    }

    private static Certificate TestCertificate()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=mx.example.com", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10));
        return new Certificate { Name = "server", CertificatePem = certificate.ExportCertificatePem(), PrivateKeyPem = key.ExportPkcs8PrivateKeyPem() };
    }

    private static LevelConfig Level(string yaml) => ConfigFileReader.ReadLevel(yaml, "test.yaml");
}
