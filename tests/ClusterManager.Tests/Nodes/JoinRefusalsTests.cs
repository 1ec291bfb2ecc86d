using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Nodes;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gatehouse.ClusterManager.Tests.Nodes;

/// <summary>Refused joins: the first at once, the rest of the minute summed up when it is over, even if no refusal follows.</summary>
public sealed class JoinRefusalsTests
{
    [Fact]
    public async Task A_minutes_refusals_are_summed_up_once_it_is_over_without_waiting_for_another()
    {
        using var manager = new ManagerFixture();
        var refusals = new JoinRefusals(new AuditLog(manager.Store, manager.Time), JobPeriods.Defaults, manager.Time, NullLogger<JoinRefusals>.Instance);
        await refusals.RecordAsync(TokenUse.Unknown, "t1", "n1", "192.0.2.1", CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            await refusals.RecordAsync(TokenUse.Expired, "t2", "n2", "192.0.2.2", CancellationToken.None);
        }

        Assert.Equal(["token t1: Unknown from 192.0.2.1"], await RefusedAsync(manager));
        await refusals.FlushAsync(CancellationToken.None);
        Assert.Single(await RefusedAsync(manager));

        manager.Time.Advance(TimeSpan.FromSeconds(61));
        await refusals.FlushAsync(CancellationToken.None);
        await refusals.FlushAsync(CancellationToken.None);
        var logged = await RefusedAsync(manager);
        Assert.Equal(2, logged.Count);
        Assert.StartsWith("3 more refused joins in the minute from ", logged[1], StringComparison.Ordinal);
        Assert.Contains("(Expired: 3) from 192.0.2.2", logged[1], StringComparison.Ordinal);

        // The next one is again recorded at once.
        await refusals.RecordAsync(TokenUse.AlreadyUsed, "t3", "n3", "192.0.2.3", CancellationToken.None);
        Assert.Equal("token t3: AlreadyUsed from 192.0.2.3", (await RefusedAsync(manager))[^1]);
    }

    private static async Task<List<string>> RefusedAsync(ManagerFixture manager) =>
        [.. (await manager.Store.ReadAuditAsync(100)).Where(e => e.Action == "join refused").Select(e => e.Detail)];
}
