using System.IO.Compression;
using System.Text.Json;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Tests.Distribution;
using Gatehouse.ClusterManager.TlsReports;
using Gatehouse.Jobs;
using Gatehouse.Manager.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gatehouse.ClusterManager.Tests.TlsReports;

/// <summary>
/// The daily schedule of the cluster's TLS reports, on a fake clock with nodes that answer over
/// <see cref="NodeQueries"/> as their streams would: a day is reported once it is over, when
/// every node answered or six hours later, once, and a report a node could not send is tried
/// again after half an hour, five times at most.
/// </summary>
public sealed class DailyTlsReportTests : IDisposable
{
    private readonly ManagerFixture manager = new();
    private readonly NodeQueries queries = new();
    private readonly List<TlsReportToSend> sent = [];
    private readonly TlsReporting reporting;
    private string? sendError;

    public DailyTlsReportTests()
    {
        reporting = new TlsReporting(manager.Store, queries, JobPeriods.Defaults, manager.Time, NullLogger<TlsReporting>.Instance);
        Assert.True(manager.Store.TryCommitAsync(new ConfigVersion
        {
            Version = 1,
            Content = new ConfigurationSet
            {
                Cluster = new LevelConfig
                {
                    Manager = new ManagerSettings
                    {
                        TlsReporting = new TlsReportingSettings { Enabled = true, OrganizationName = "Example", ContactInfo = "tls@example.com", Submitter = "mx.example.com" },
                    },
                },
            },
        }, clearPendingAt: null).Result);
        Node("node1", answers: true);
    }

    public void Dispose() => manager.Dispose();

    [Fact]
    public async Task Yesterday_is_reported_once_after_midnight_with_the_whole_day_in_its_range()
    {
        At(2026, 11, 2, 0, 5);
        await reporting.ReportYesterdayAsync(CancellationToken.None);
        Assert.Empty(sent);

        At(2026, 11, 2, 0, 15);
        await reporting.ReportYesterdayAsync(CancellationToken.None);
        var report = Assert.Single(sent);
        Assert.Equal("example.net", report.PolicyDomain);
        using var json = Gunzip(report);
        Assert.Equal("2026-11-01T00:00:00Z", json.RootElement.GetProperty("date-range").GetProperty("start-datetime").GetString());
        Assert.Equal("2026-11-01T23:59:59Z", json.RootElement.GetProperty("date-range").GetProperty("end-datetime").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("policies")[0].GetProperty("summary").GetProperty("total-successful-session-count").GetInt64());

        At(2026, 11, 2, 3, 0);
        await reporting.ReportYesterdayAsync(CancellationToken.None);
        Assert.Single(sent);
    }

    [Fact]
    public async Task Nothing_is_sent_while_reporting_is_off_not_even_on_request()
    {
        var latest = await manager.Store.GetLatestAsync();
        var off = latest.Clone();
        off.Version = 2;
        off.Content.Cluster.Manager.TlsReporting.Enabled = false;
        Assert.True(await manager.Store.TryCommitAsync(off, clearPendingAt: null));

        At(2026, 11, 2, 0, 15);
        await reporting.ReportYesterdayAsync(CancellationToken.None);
        var refused = await Assert.ThrowsAsync<ClusterManager.ClusterConfig.ChangeRejectedException>(() => reporting.SendNowAsync(new DateOnly(2026, 11, 1), CancellationToken.None));

        Assert.Empty(sent);
        Assert.Contains("TLS reporting is off", refused.Message, StringComparison.Ordinal);
        Assert.Empty(await manager.Store.ListTlsReportEventsAsync(100));
    }

    [Fact]
    public async Task A_node_that_does_not_answer_is_waited_for_six_hours_then_left_out()
    {
        Node("node2", answers: false);

        At(2026, 11, 2, 0, 15);
        await reporting.ReportYesterdayAsync(CancellationToken.None);
        Assert.Empty(sent);

        At(2026, 11, 2, 6, 5);
        await reporting.ReportYesterdayAsync(CancellationToken.None);
        Assert.Single(sent);
        var done = (await manager.Store.ListTlsReportEventsAsync(100)).Single(e => e.Kind == "done");
        Assert.Equal("without node2", done.Detail);
    }

    [Fact]
    public async Task A_report_no_node_could_send_is_tried_again_after_half_an_hour_five_times_at_most()
    {
        sendError = "TXT lookup for _smtp._tls.example.net failed: Server Failure";
        At(2026, 11, 2, 0, 15);
        for (var tick = 0; tick < 40; tick++)
        {
            await reporting.ReportYesterdayAsync(CancellationToken.None);
            manager.Time.Advance(TimeSpan.FromMinutes(10));
        }

        Assert.Equal(5, sent.Count);
        var events = await manager.Store.ListTlsReportEventsAsync(100);
        Assert.Equal(["attempt 1", "failed 1", "attempt 2", "failed 2", "attempt 3", "failed 3", "attempt 4", "failed 4", "attempt 5", "failed 5", "done"],
            events.Select(e => e.Kind));
        Assert.Single(events.Where(e => e.Kind.StartsWith("attempt", StringComparison.Ordinal)).Select(e => e.ReportId).Distinct());
        var day = await reporting.DayAsync(new DateOnly(2026, 11, 1), CancellationToken.None);
        Assert.StartsWith("not sent yet (failed 5): node1: TXT lookup", day.Reports.Single().State, StringComparison.Ordinal);
    }

    private void At(int year, int month, int day, int hour, int minute) =>
        manager.Time.SetUtcNow(new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.Zero));

    // A registered node; one that answers does so on its stream, as a real node's sync client would.
    private void Node(string name, bool answers)
    {
        manager.Store.SaveNodeAsync(new NodeRecord { Name = name }).Wait();
        if (!answers)
        {
            return;
        }

        queries.Attach(name, FakeNodeStream.Outbox(name, message =>
        {
            var answer = new QueryAnswer { Id = message.Query.Id };
            if (message.Query.TlsReportDay is { } day)
            {
                answer.TlsReportDay = new ReportDayPage
                {
                    RecordsJson = day.Date == "2026-11-01"
                        ? """[{"policy":{"policy-type":"no-policy-found","policy-string":[],"policy-domain":"example.net","mx-host":[]},"summary":{"total-successful-session-count":2,"total-failure-session-count":0},"failure-details":[]}]"""
                        : "[]",
                };
            }
            else if (message.Query.TlsReportSend is { } report)
            {
                sent.Add(report);
                if (sendError is { } error)
                {
                    answer.Error = error;
                }
                else
                {
                    answer.TlsReportSent = new ReportSent { Delivered = { "mailto:tls@example.net (MID 1)" } };
                }
            }

            queries.Answered(name, answer);
            return Task.CompletedTask;
        }));
    }

    private static JsonDocument Gunzip(TlsReportToSend report)
    {
        using var gzip = new GZipStream(new MemoryStream(report.ReportGzip.ToByteArray()), CompressionMode.Decompress);
        return JsonDocument.Parse(gzip);
    }
}
