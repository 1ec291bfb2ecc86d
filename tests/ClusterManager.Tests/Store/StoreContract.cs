using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Tests.Store;

/// <summary>What every manager store must do; run against the file store and against Redis.</summary>
public abstract class StoreContract : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    internal IManagerStore Store { get; private set; } = null!;

    internal abstract Task<IManagerStore> OpenAsync();

    internal abstract Task CloseAsync(IManagerStore store);

    public async Task InitializeAsync() => Store = await OpenAsync();

    public Task DisposeAsync() => CloseAsync(Store);

    [Fact]
    public async Task Versions_follow_one_another_and_a_taken_number_cannot_be_committed_again()
    {
        Assert.Equal(0, (await Store.GetLatestAsync()).Version);

        Assert.True(await Store.TryCommitAsync(Version(1, "first"), clearPendingAt: null));
        Assert.True(await Store.TryCommitAsync(Version(2, "second"), clearPendingAt: null));
        Assert.False(await Store.TryCommitAsync(Version(2, "again"), clearPendingAt: null));
        Assert.False(await Store.TryCommitAsync(Version(4, "gap"), clearPendingAt: null));

        Assert.Equal("second", (await Store.GetLatestAsync()).Comment);
        Assert.Equal(["first", "second"], (await Store.ListVersionsAsync()).Select(v => v.Comment));
        Assert.Equal("first", (await Store.GetVersionAsync(1))!.Comment);
        Assert.Null(await Store.GetVersionAsync(3));
    }

    [Fact]
    public async Task Of_many_simultaneous_commits_of_one_number_exactly_one_wins()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Store.TryCommitAsync(Version(1, $"racer {i}"), clearPendingAt: null)));

        Assert.Single(results, won => won);
    }

    [Fact]
    public async Task Pending_changes_are_kept_until_cleared_or_committed()
    {
        var pending = new PendingChanges { BaseVersion = 0, Content = new ConfigurationSet { Cluster = new LevelConfig { Hostname = "x" } } };
        Assert.True(await Store.TrySavePendingAsync(pending));
        Assert.Equal(1, pending.Revision);
        Assert.Equal(pending, await Store.GetPendingAsync());

        await Store.ClearPendingAsync();
        Assert.Null(await Store.GetPendingAsync());

        pending.Revision = 0;
        Assert.True(await Store.TrySavePendingAsync(pending));
        Assert.True(await Store.TryCommitAsync(Version(1, "with pending"), clearPendingAt: pending.Revision));
        Assert.Null(await Store.GetPendingAsync());
    }

    [Fact]
    public async Task Of_two_edits_saved_from_the_same_revision_one_lands_and_the_other_is_told_to_retry()
    {
        var first = new PendingChanges { Content = new ConfigurationSet { Cluster = new LevelConfig { Hostname = "gui" } } };
        var second = new PendingChanges { Content = new ConfigurationSet { Cluster = new LevelConfig { Hostname = "cli" } } };

        var results = await Task.WhenAll(Store.TrySavePendingAsync(first), Store.TrySavePendingAsync(second));

        Assert.Single(results, won => won);
        var stored = (await Store.GetPendingAsync())!;
        Assert.Equal(1, stored.Revision);
        var loser = results[0] ? second : first;
        Assert.False(await Store.TrySavePendingAsync(loser));

        // Read again, edit again: both edits land.
        stored.Content.Machines["node1"] = new LevelConfig { Hostname = loser.Content.Cluster.Hostname };
        Assert.True(await Store.TrySavePendingAsync(stored));
        var both = (await Store.GetPendingAsync())!;
        Assert.Equal(2, both.Revision);
        Assert.Equal(new[] { "cli", "gui" }, new[] { both.Content.Cluster.Hostname, both.Content.Machines["node1"].Hostname }.Order());
    }

    [Fact]
    public async Task A_commit_keeps_pending_changes_staged_after_it_read_them()
    {
        var pending = new PendingChanges { Content = new ConfigurationSet { Cluster = new LevelConfig { Hostname = "read" } } };
        Assert.True(await Store.TrySavePendingAsync(pending));
        var readByCommit = pending.Revision;
        pending.Content.Cluster.Hostname = "staged meanwhile";
        Assert.True(await Store.TrySavePendingAsync(pending));

        Assert.False(await Store.TryCommitAsync(Version(1, "stale"), clearPendingAt: readByCommit));
        Assert.Equal("staged meanwhile", (await Store.GetPendingAsync())!.Content.Cluster.Hostname);
        Assert.Equal(0, (await Store.GetLatestAsync()).Version);
        Assert.True(await Store.TryCommitAsync(Version(1, "current"), clearPendingAt: pending.Revision));
    }

    [Fact]
    public async Task Nodes_are_registered_updated_and_removed_with_their_certificate_revoked()
    {
        await Store.SaveNodeAsync(new NodeRecord { Name = "b", CertificateSerial = "B1" });
        await Store.SaveNodeAsync(new NodeRecord { Name = "a", CertificateSerial = "A1" });

        Assert.True(await Store.UpdateNodeAsync("a", n => n.AppliedVersion = 7));
        Assert.Equal(["a", "b"], (await Store.ListNodesAsync()).Select(n => n.Name));
        Assert.Equal(7, (await Store.GetNodeAsync("a"))!.AppliedVersion);

        Assert.True(await Store.RemoveNodeAsync("a", new RevokedCertificate { Serial = "A1", NodeName = "a" }));
        Assert.False(await Store.RemoveNodeAsync("a", new RevokedCertificate { Serial = "A1", NodeName = "a" }));
        Assert.True(await Store.IsRevokedAsync("A1"));
        Assert.False(await Store.IsRevokedAsync("B1"));
        Assert.Equal(["A1"], (await Store.ListRevokedAsync()).Select(r => r.Serial));
        Assert.False(await Store.UpdateNodeAsync("a", n => n.Connected = true));
        Assert.Null(await Store.GetNodeAsync("a"));
    }

    [Fact]
    public async Task A_join_token_is_used_once_even_when_racing()
    {
        await Store.AddJoinTokenAsync(Token("t1", minutes: 10));

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Store.TryUseJoinTokenAsync("t1", "hash", $"node{i}", Now)));

        Assert.Single(attempts, a => a == TokenUse.Accepted);
        Assert.All(attempts.Where(a => a != TokenUse.Accepted), a => Assert.Equal(TokenUse.AlreadyUsed, a));
    }

    [Fact]
    public async Task Expired_unknown_and_wrong_tokens_are_refused()
    {
        await Store.AddJoinTokenAsync(Token("t1", minutes: 1));

        Assert.Equal(TokenUse.Expired, await Store.TryUseJoinTokenAsync("t1", "hash", "n", Now.AddMinutes(2)));
        Assert.Equal(TokenUse.Unknown, await Store.TryUseJoinTokenAsync("t1", "wrong", "n", Now));
        Assert.Equal(TokenUse.Unknown, await Store.TryUseJoinTokenAsync("none", "hash", "n", Now));
        Assert.Equal(TokenUse.Accepted, await Store.TryUseJoinTokenAsync("t1", "hash", "n", Now));
    }

    [Fact]
    public async Task The_audit_log_keeps_order_and_returns_the_newest()
    {
        for (var i = 0; i < 5; i++)
        {
            await Store.AppendAuditAsync(new AuditEntry { Actor = "admin", Action = "stage", Detail = $"change {i}", At = Timestamp.FromDateTimeOffset(Now) });
        }

        Assert.Equal(["change 3", "change 4"], (await Store.ReadAuditAsync(2)).Select(a => a.Detail));
    }

    [Fact]
    public async Task An_alert_is_recorded_once_per_key()
    {
        Assert.True(await Store.TryAddAlertAsync(new AlertRecord { Key = "k1", Message = "one" }));
        Assert.False(await Store.TryAddAlertAsync(new AlertRecord { Key = "k1", Message = "again" }));
        Assert.True(await Store.TryAddAlertAsync(new AlertRecord { Key = "k2", Message = "two" }));

        Assert.Equal(["one", "two"], (await Store.ListAlertsAsync(10)).Select(a => a.Message));
    }

    [Fact]
    public async Task An_alert_has_at_most_one_event_of_each_kind_even_when_two_managers_race_for_it()
    {
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Store.TryAddAlertEventAsync(new AlertEvent { AlertKey = "k1", Kind = "mailed", By = $"node{i}" })));
        Assert.Single(claims, c => c);
        Assert.True(await Store.TryAddAlertEventAsync(new AlertEvent { AlertKey = "k1", Kind = "acknowledged", By = "admin" }));
        Assert.True(await Store.TryAddAlertEventAsync(new AlertEvent { AlertKey = "k2", Kind = "mailed", By = "node1" }));
        Assert.False(await Store.TryAddAlertEventAsync(new AlertEvent { AlertKey = "k1", Kind = "acknowledged", By = "other" }));

        var events = await Store.ListAlertEventsAsync(10);
        Assert.Equal(["k1/mailed", "k1/acknowledged", "k2/mailed"], events.Select(e => $"{e.AlertKey}/{e.Kind}"));
    }

    [Fact]
    public async Task A_days_tls_report_is_claimed_by_one_manager_only()
    {
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Store.TryAddTlsReportEventAsync(new TlsReportEvent { ReportKey = "2026-12-01 example.net", Kind = "claimed", By = $"manager{i}" })));
        Assert.Single(claims, c => c);
        Assert.True(await Store.TryAddTlsReportEventAsync(new TlsReportEvent { ReportKey = "2026-12-01 example.net", Kind = "sent", By = "node1" }));
        Assert.True(await Store.TryAddTlsReportEventAsync(new TlsReportEvent { ReportKey = "2026-12-02 example.net", Kind = "claimed" }));
        Assert.False(await Store.TryAddTlsReportEventAsync(new TlsReportEvent { ReportKey = "2026-12-01 example.net", Kind = "sent", By = "node2" }));

        var events = await Store.ListTlsReportEventsAsync(10);
        Assert.Equal(["2026-12-01 example.net/claimed", "2026-12-01 example.net/sent", "2026-12-02 example.net/claimed"], events.Select(e => $"{e.ReportKey}/{e.Kind}"));
    }

    [Fact]
    public async Task A_domains_MTA_STS_policy_is_replaced_only_in_place_of_the_one_read_and_the_policies_kept_are_bounded_in_domains_and_bytes()
    {
        static Cluster.V1.SharedMtaStsPolicy Policy(string domain, string id, int expiresSecond) => new()
        {
            Domain = domain,
            Id = id,
            PolicyText = "version: STSv1\nmode: enforce\nmx: mx.example.net\nmax_age: 86400\n",
            FetchedAt = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 1_800_000_000 },
            ExpiresAt = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = 1_800_000_000 + expiresSecond },
            SharedBy = "node1",
        };

        var bounds = new StsPolicyBounds(MaxDomains: 2, MaxBytes: 100_000);
        var one = Policy("example.net", "one", 10);
        Assert.True(await Store.ReplaceStsPolicyAsync(one, null, bounds));
        // Another replica kept one meanwhile: a replacement of "none" or of a stale copy fails.
        Assert.False(await Store.ReplaceStsPolicyAsync(Policy("example.net", "late", 10), null, bounds));
        Assert.False(await Store.ReplaceStsPolicyAsync(Policy("example.net", "late", 10), Policy("example.net", "stale", 10), bounds));
        var two = Policy("example.net", "two", 20);
        Assert.True(await Store.ReplaceStsPolicyAsync(two, one, bounds));
        Assert.Equal("two", (await Store.GetStsPolicyAsync("EXAMPLE.net"))!.Id);
        Assert.True(await Store.ReplaceStsPolicyAsync(Policy("example.org", "other", 30), null, bounds));
        // Full: a third domain is not kept, a newer policy of a kept one still is.
        Assert.False(await Store.ReplaceStsPolicyAsync(Policy("example.com", "third", 1), null, bounds));
        Assert.True(await Store.ReplaceStsPolicyAsync(Policy("example.org", "newer", 40), await Store.GetStsPolicyAsync("example.org"), bounds));
        Assert.Equal(["example.net two", "example.org newer"], (await Store.ListStsPoliciesAsync()).Select(p => $"{p.Domain} {p.Id}").Order());

        // Bytes: a policy that would pass the total is not kept, whatever the count.
        var big = Policy("example.com", "big", 1);
        big.PolicyText += new string('#', 2000);
        Assert.False(await Store.ReplaceStsPolicyAsync(big, null, bounds with { MaxDomains = 10, MaxBytes = 1500 }));
        Assert.Null(await Store.GetStsPolicyAsync("example.com"));

        // Removal: only when expired by the time given, or unconditionally; then the domain counts no more.
        var at = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000 + 25);
        Assert.True(await Store.RemoveStsPolicyAsync("example.net", expiredBy: at));
        Assert.False(await Store.RemoveStsPolicyAsync("example.org", expiredBy: at));
        Assert.True(await Store.ReplaceStsPolicyAsync(Policy("example.com", "third", 1), null, bounds));
        Assert.True(await Store.RemoveStsPolicyAsync("example.org", expiredBy: null));
        Assert.False(await Store.RemoveStsPolicyAsync("example.org", expiredBy: null));
        Assert.Equal(["example.com third"], (await Store.ListStsPoliciesAsync()).Select(p => $"{p.Domain} {p.Id}"));
    }

    [Fact]
    public async Task An_API_token_is_found_by_its_hash_only_while_it_is_kept_and_its_name_is_unique()
    {
        var token = new ApiTokenRecord { Name = "ci", Role = "operator", Hash = new string('a', 64), CreatedBy = "admin" };
        Assert.True(await Store.TryAddApiTokenAsync(token));
        Assert.False(await Store.TryAddApiTokenAsync(new ApiTokenRecord { Name = "ci", Role = "admin", Hash = new string('b', 64) }));
        Assert.True(await Store.TryAddApiTokenAsync(new ApiTokenRecord { Name = "alice", Role = "admin", Hash = new string('c', 64) }));

        Assert.Equal("ci", (await Store.FindApiTokenAsync(new string('a', 64)))!.Name);
        Assert.Null(await Store.FindApiTokenAsync(new string('b', 64)));
        Assert.Equal(["alice", "ci"], (await Store.ListApiTokensAsync()).Select(t => t.Name));

        Assert.True(await Store.RemoveApiTokenAsync("ci"));
        Assert.False(await Store.RemoveApiTokenAsync("ci"));
        Assert.Null(await Store.FindApiTokenAsync(new string('a', 64)));
        Assert.Equal(["alice"], (await Store.ListApiTokensAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task Everything_is_there_after_reopening()
    {
        Assert.True(await Store.TryCommitAsync(Version(1, "kept"), clearPendingAt: null));
        await Store.SaveNodeAsync(new NodeRecord { Name = "n1", CertificateSerial = "S" });
        await Store.AppendAuditAsync(new AuditEntry { Detail = "kept" });

        await CloseAsync(Store);
        Store = await OpenAsync();

        Assert.Equal("kept", (await Store.GetLatestAsync()).Comment);
        Assert.NotNull(await Store.GetNodeAsync("n1"));
        Assert.Equal("kept", Assert.Single(await Store.ReadAuditAsync(10)).Detail);
    }

    [Fact]
    public async Task A_rewrite_reaches_every_version_and_the_pending_changes_and_only_where_asked()
    {
        Assert.True(await Store.TryCommitAsync(Version(1, "one"), clearPendingAt: null));
        var two = Version(2, "two");
        two.Content.Cluster.Hostname = "old";
        Assert.True(await Store.TryCommitAsync(two, clearPendingAt: null));
        Assert.True(await Store.TrySavePendingAsync(new PendingChanges { BaseVersion = 2, Content = new ConfigurationSet { Cluster = new LevelConfig { Hostname = "old" } } }));

        var changed = await Store.RewriteContentAsync(content => content.Cluster.Hostname == "old"
            ? new ConfigurationSet { Cluster = new LevelConfig { Hostname = "new" } } : null);

        Assert.Equal(2, changed);
        Assert.Equal(["", "new"], (await Store.ListVersionsAsync()).Select(v => v.Content.Cluster.Hostname));
        Assert.Equal("new", (await Store.GetLatestAsync()).Content.Cluster.Hostname);
        Assert.Equal("new", (await Store.GetPendingAsync())!.Content.Cluster.Hostname);
        Assert.Equal(0, await Store.RewriteContentAsync(content => content.Cluster.Hostname == "old" ? new ConfigurationSet() : null));
    }

    private static ConfigVersion Version(long number, string comment) => new()
    {
        Version = number,
        Comment = comment,
        Author = "test",
        CommittedAt = Timestamp.FromDateTimeOffset(Now),
        Content = new ConfigurationSet { Cluster = new LevelConfig() },
    };

    private static JoinTokenRecord Token(string id, int minutes) => new()
    {
        Id = id,
        SecretHash = "hash",
        CreatedAt = Timestamp.FromDateTimeOffset(Now),
        ExpiresAt = Timestamp.FromDateTimeOffset(Now.AddMinutes(minutes)),
    };
}
