using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Certificates;
using Gatehouse.Jobs;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gatehouse.ClusterManager.Tests.Certificates;

public sealed class ExpiryMonitorTests : IDisposable
{
    private readonly ManagerFixture manager = new();

    [Fact]
    public async Task Expiry_alerts_come_once_per_threshold_then_daily_after_expiry()
    {
        var subject = new CertificateSubject("mx.example.com", null, null, null, null, null, []);
        var certificate = CertificateFactory.CreateSelfSigned("web", subject, KeySpec.Parse("ecdsa-p256"), 31, manager.Time);
        await manager.Configuration.StageLevelAsync(Gatehouse.ClusterManager.ClusterConfig.LevelTarget.Cluster, new LevelConfig { Certificates = { certificate } }, "alice", "web");
        await manager.Configuration.CommitAsync("web", "alice");
        var monitor = new ExpiryMonitor(manager.Store, JobPeriods.Defaults, manager.Time, NullLogger<ExpiryMonitor>.Instance);

        var raised = new List<int>();
        raised.Add(await monitor.CheckAsync(default));            // 31 days left: within 60
        manager.Time.Advance(TimeSpan.FromDays(1));
        raised.Add(await monitor.CheckAsync(default));            // 30 days left
        raised.Add(await monitor.CheckAsync(default));            // same day: nothing new
        manager.Time.Advance(TimeSpan.FromDays(15));
        raised.Add(await monitor.CheckAsync(default));            // 15 days left
        manager.Time.Advance(TimeSpan.FromDays(15));
        raised.Add(await monitor.CheckAsync(default));            // expiry day
        manager.Time.Advance(TimeSpan.FromDays(1));
        raised.Add(await monitor.CheckAsync(default));            // a day after

        Assert.Equal([1, 1, 0, 1, 1, 1], raised);
        var alerts = await manager.Store.ListAlertsAsync(10);
        Assert.Equal(
            ["Warning", "Warning", "Warning", "Critical", "Critical"],
            alerts.Select(a => a.Severity));
        Assert.Contains("Certificate 'web' (CN=mx.example.com, cluster level) expires in 30 day(s)", alerts[1].Message, StringComparison.Ordinal);
        Assert.Contains("expires today", alerts[3].Message, StringComparison.Ordinal);
        Assert.Contains("expired on", alerts[4].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(120, null)]
    [InlineData(90, 90)]
    [InlineData(61, 90)]
    [InlineData(45, 60)]
    [InlineData(16, 30)]
    [InlineData(5, 5)]
    [InlineData(1, 1)]
    public void The_most_urgent_threshold_reached_is_raised(int daysLeft, int? threshold)
    {
        var now = manager.Time.GetUtcNow();
        var subject = new CertificateSubject("mx.example.com", null, null, null, null, null, []);
        var certificate = CertificateFactory.CreateSelfSigned("web", subject, KeySpec.Parse("ecdsa-p256"), daysLeft, manager.Time);
        var set = new ConfigurationSet { Cluster = new LevelConfig { Certificates = { certificate } } };

        var due = ExpiryAlerts.Due(set, now).ToList();

        Assert.Equal(threshold, due.SingleOrDefault() is { } alert ? int.Parse(alert.Key.Split(':')[^1], System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    public void Dispose() => manager.Dispose();
}
