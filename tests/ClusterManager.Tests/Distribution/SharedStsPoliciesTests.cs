using System.Collections.Concurrent;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.Harness;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gatehouse.ClusterManager.Tests.Distribution;

/// <summary>
/// What one node shares is its word, not the truth: a node the attacker holds can neither turn
/// MTA-STS off for the others, nor loosen a policy kept under the same id, nor fill the store.
/// </summary>
[Trait("Category", "Security")]
public sealed class SharedStsPoliciesTests : IDisposable
{
    private const string Enforce = "version: STSv1\nmode: enforce\nmx: mx1.example.net\nmax_age: 86400\n";
    private readonly ManagerFixture manager = new();
    private readonly NodeQueries queries = new();
    private readonly ConcurrentQueue<ManagerMessage> toNode2 = new();
    private readonly ConcurrentQueue<ManagerMessage> toNode1 = new();
    private readonly SharedStsPolicies policies;

    public SharedStsPoliciesTests()
    {
        policies = new SharedStsPolicies(manager.Store, queries, manager.Time, NullLogger<SharedStsPolicies>.Instance);
        queries.Attach("node1", FakeNodeStream.Outbox("node1", toNode1.Enqueue));
        queries.Attach("node2", FakeNodeStream.Outbox("node2", toNode2.Enqueue));
    }

    [Fact]
    public async Task An_enforce_policy_is_kept_with_the_managers_own_times_and_passed_on_to_the_other_nodes_only()
    {
        // The node claims it fetched the policy tomorrow and that it lasts a year.
        await policies.LearnedAsync("node1", Offer("example.net", "one", Enforce, fetchedAt: manager.Time.GetUtcNow().AddDays(1), lasts: TimeSpan.FromDays(365)), default);

        var kept = Assert.Single(await policies.ListAsync(default));
        Assert.Equal(manager.Time.GetUtcNow(), kept.FetchedAt.ToDateTimeOffset());
        Assert.Equal(manager.Time.GetUtcNow().AddSeconds(86400), kept.ExpiresAt.ToDateTimeOffset());
        Assert.Equal("node1", kept.SharedBy);
        await Wait.UntilAsync(() => !toNode2.IsEmpty, "node2 is told");
        Assert.Equal(kept, toNode2.Single().StsPolicy);
        Assert.Empty(toNode1);
    }

    [Theory]
    [InlineData("version: STSv1\nmode: none\nmax_age: 31557600\n")]
    [InlineData("version: STSv1\nmode: testing\nmx: mx1.example.net\nmax_age: 31557600\n")]
    [InlineData("version: STSv1\nmode: enforce\nmx: evil host\nmax_age: 86400\n")]
    [InlineData("not a policy")]
    public async Task A_policy_that_is_not_enforce_or_not_a_policy_is_neither_kept_nor_passed_on(string text)
    {
        await policies.LearnedAsync("node1", Offer("example.net", "one", text), default);

        Assert.Empty(await policies.ListAsync(default));
        Assert.Empty(toNode2);
    }

    [Fact]
    public async Task Under_the_id_kept_a_node_may_share_a_stricter_policy_but_never_a_looser_one()
    {
        await policies.LearnedAsync("node1", Offer("example.net", "one", "version: STSv1\nmode: enforce\nmx: mx1.example.net\nmx: mx2.example.net\nmax_age: 86400\n"), default);

        // Wider MX list under the same id: refused, the kept one stays.
        await policies.LearnedAsync("node2", Offer("example.net", "one", "version: STSv1\nmode: enforce\nmx: mx1.example.net\nmx: *.attacker.test\nmax_age: 86400\n"), default);
        Assert.Contains("mx2.example.net", Assert.Single(await policies.ListAsync(default)).PolicyText, StringComparison.Ordinal);

        // Fewer MX patterns: as strict, kept.
        await policies.LearnedAsync("node2", Offer("example.net", "one", Enforce), default);
        Assert.Equal(Enforce, Assert.Single(await policies.ListAsync(default)).PolicyText);
        Assert.Equal("node2", Assert.Single(await policies.ListAsync(default)).SharedBy);
    }

    [Fact]
    public async Task A_node_shares_at_most_100_at_once_and_10_a_minute_after()
    {
        for (var i = 0; i < 120; i++)
        {
            await policies.LearnedAsync("node1", Offer($"d{i}.example.net", "one", Enforce), default);
        }

        Assert.Equal(100, (await policies.ListAsync(default)).Count);
        // Another node has its own allowance.
        await policies.LearnedAsync("node2", Offer("other.example.net", "one", Enforce), default);
        Assert.Equal(101, (await policies.ListAsync(default)).Count);
    }

    [Fact]
    public async Task Expired_policies_are_pruned_and_a_purge_removes_one_and_tells_every_node_to_forget_it()
    {
        await policies.LearnedAsync("node1", Offer("short.example.net", "one", Enforce.Replace("86400", "600", StringComparison.Ordinal)), default);
        await policies.LearnedAsync("node1", Offer("long.example.net", "one", Enforce), default);
        manager.Time.Advance(TimeSpan.FromMinutes(11));

        Assert.Equal(["long.example.net"], (await policies.ValidAsync(default)).Select(p => p.Domain));
        Assert.Equal(1, await policies.PruneAsync(default));
        Assert.Equal(["long.example.net"], (await policies.ListAsync(default)).Select(p => p.Domain));

        Assert.True(await policies.PurgeAsync("LONG.example.net", default));
        Assert.Empty(await policies.ListAsync(default));
        await Wait.UntilAsync(() => toNode1.Any(m => m.StsForget == "long.example.net") && toNode2.Any(m => m.StsForget == "long.example.net"), "both nodes are told to forget it");
    }

    public void Dispose()
    {
        policies.Dispose();
        manager.Dispose();
    }

    private SharedMtaStsPolicy Offer(string domain, string id, string text, DateTimeOffset? fetchedAt = null, TimeSpan? lasts = null)
    {
        var at = fetchedAt ?? manager.Time.GetUtcNow();
        return new SharedMtaStsPolicy
        {
            Domain = domain,
            Id = id,
            PolicyText = text,
            FetchedAt = Timestamp.FromDateTimeOffset(at),
            ExpiresAt = Timestamp.FromDateTimeOffset(at + (lasts ?? TimeSpan.FromDays(1))),
        };
    }
}
