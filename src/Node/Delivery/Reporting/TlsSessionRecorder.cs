using System.Net;
using System.Text.Json;
using Gatehouse.Cluster.TlsRpt;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Delivery.Reporting;

/// <summary>
/// What TLS reporting (RFC 8460) needs from this node: for each day (UTC) and each policy domain
/// and policy, how many outbound sessions succeeded and which failed how, from which address to
/// which host. Kept in <c>DATA/state/tls-rpt/YYYY-MM-DD.json</c> in the shape of a report's
/// <c>policies</c> array, written at most every few seconds and when the node stops; days older
/// than a week are removed. <c>gatehouse-node tls-report</c> prints a day.
/// </summary>
internal sealed class TlsSessionRecorder : IAsyncDisposable
{
    public const int MaxPoliciesPerDay = 10_000;
    private const int MaxDetailsPerPolicy = 100;
    private static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Kept = TimeSpan.FromDays(7);
    private readonly string directory;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Timer timer;
    private string day = "";
    private Dictionary<string, PolicyRecord> records = [];
    private bool changed;

    public TlsSessionRecorder(string directory, TimeProvider time)
    {
        this.directory = directory;
        this.time = time;
        timer = new Timer(_ => Write(), null, WriteEvery, WriteEvery);
    }

    public static JsonSerializerOptions Json { get; } = new() { WriteIndented = true };

    /// <summary>The policy as a report states it: DANE's TLSA records, an MTA-STS policy, or none.</summary>
    public static ReportedPolicy PolicyOf(string domain, TlsDecision decision, NextHop hop) => decision switch
    {
        { Dane: { } records } => new ReportedPolicy("tlsa", [.. records.Select(r => $"{r.Usage} {r.Selector} {r.Matching} {Convert.ToHexStringLower(r.Data)}")], domain, [hop.Host]),
        { MtaSts: { } policy } => new ReportedPolicy("sts", policy.Lines(), domain, policy.MxPatterns),
        _ => new ReportedPolicy("no-policy-found", [], domain, []),
    };

    /// <summary>The result type (RFC 8460 §4.3.2) of a failed session set-up, from the words the mail log uses (MTA-STS fetch failures are typed where they happen).</summary>
    public static string ResultType(TlsDecision decision, string reason) => reason switch
    {
        _ when reason.Contains(StartFailure.StartTlsNotSupported, StringComparison.Ordinal) => "starttls-not-supported",
        _ when decision.Dane is not null && reason.StartsWith("certificate not verified", StringComparison.Ordinal) => "tlsa-invalid",
        _ when reason.Contains("TLSA lookup", StringComparison.Ordinal) => "dnssec-invalid",
        _ when reason.Contains("DANE is mandatory", StringComparison.Ordinal) => "dane-required",
        _ when reason.Contains("certificate names", StringComparison.Ordinal) => "certificate-host-mismatch",
        _ when reason.Contains("expired", StringComparison.OrdinalIgnoreCase) || reason.Contains("not yet valid", StringComparison.OrdinalIgnoreCase) => "certificate-expired",
        _ when reason.Contains("certificate not trusted", StringComparison.Ordinal) => "certificate-not-trusted",
        _ => "validation-failure",
    };

    public void Success(ReportedPolicy policy) => Update(policy, record => record.Summary.Successful++);

    public void Failure(ReportedPolicy policy, string resultType, IPAddress? local, string host, IPAddress? remote) => Update(policy, record =>
    {
        record.Summary.Failed++;
        var detail = record.FailureDetails.FirstOrDefault(d => d.ResultType == resultType && d.ReceivingMxHostname == host
            && d.SendingMtaIp == (local?.ToString() ?? "") && d.ReceivingIp == (remote?.ToString() ?? ""));
        if (detail is null && record.FailureDetails.Count < MaxDetailsPerPolicy)
        {
            record.FailureDetails.Add(detail = new FailureDetail { ResultType = resultType, SendingMtaIp = local?.ToString() ?? "", ReceivingMxHostname = host, ReceivingIp = remote?.ToString() ?? "" });
        }

        if (detail is not null)
        {
            detail.FailedSessionCount++;
        }
    });

    /// <summary>A day's records as written; empty when there are none.</summary>
    public static IReadOnlyList<PolicyRecord> ReadDay(string directory, DateOnly date)
    {
        var path = Path.Combine(directory, $"{date:yyyy-MM-dd}.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<List<PolicyRecord>>(File.ReadAllBytes(path), Json) ?? [] : [];
    }

    /// <summary>A page of a day's records for the manager's cluster report, with what is still in memory written first.</summary>
    public TlsReportDay Page(DateOnly date, int offset)
    {
        const int PageSize = 500;
        Write();
        var records = ReadDay(directory, date);
        var page = records.Skip(offset).Take(PageSize).ToList();
        return new TlsReportDay
        {
            PoliciesJson = JsonSerializer.Serialize(page, Json),
            NextOffset = offset + page.Count < records.Count ? offset + page.Count : 0,
        };
    }

    public async ValueTask DisposeAsync()
    {
        await timer.DisposeAsync();
        Write();
    }

    private void Update(ReportedPolicy policy, Action<PolicyRecord> change)
    {
        lock (gate)
        {
            var today = time.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            if (today != day)
            {
                WriteLocked();
                day = today;
                records = ReadDay(directory, DateOnly.ParseExact(today, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
                    .GroupBy(r => KeyOf(r.Policy)).ToDictionary(g => g.Key, g => g.First());
            }

            var key = KeyOf(policy);
            if (!records.TryGetValue(key, out var record))
            {
                if (records.Count >= MaxPoliciesPerDay)
                {
                    return;
                }

                records[key] = record = new PolicyRecord { Policy = policy };
            }

            change(record);
            changed = true;
        }
    }

    private void Write()
    {
        lock (gate)
        {
            WriteLocked();
        }
    }

    private void WriteLocked()
    {
        if (!changed || day.Length == 0)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, $"{day}.json"), JsonSerializer.SerializeToUtf8Bytes(records.Values.ToList(), Json), privateFile: true);
        changed = false;
        foreach (var old in Directory.EnumerateFiles(directory, "*.json"))
        {
            if (DateOnly.TryParseExact(Path.GetFileNameWithoutExtension(old), "yyyy-MM-dd", out var date) && date.ToDateTime(TimeOnly.MinValue) < time.GetUtcNow().UtcDateTime - Kept)
            {
                File.Delete(old);
            }
        }
    }

    private static string KeyOf(ReportedPolicy policy) => $"{policy.Domain}\n{policy.Type}\n{string.Join('\n', policy.Strings)}";
}
