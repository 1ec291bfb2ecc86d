using System.Net;
using Gatehouse.Cluster.TlsRpt;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Runtime;

namespace Gatehouse.Node.Delivery.Reporting;

/// <summary>
/// What TLS reporting (RFC 8460) needs from this node: for each day (UTC) and each policy domain
/// and policy, how many outbound sessions succeeded and which failed how, from which address to
/// which host, in <c>DATA/state/tls-rpt/YYYY-MM-DD.json</c> in the shape of a report's
/// <c>policies</c> array. <c>gatehouse-node tls-report</c> prints a day.
/// </summary>
internal sealed class TlsSessionRecorder(string directory, TimeProvider time) : IAsyncDisposable
{
    public const int MaxPoliciesPerDay = 10_000;
    private const int MaxDetailsPerPolicy = 100;
    private readonly DailyRecords<PolicyRecord> days = new(directory, time, r => KeyOf(r.Policy), MaxPoliciesPerDay);
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

    /// <summary>A page of a day's records for the manager's cluster report.</summary>
    public ReportDayPage Page(DateOnly date, int offset)
    {
        var (json, next) = days.Page(date, offset);
        return new ReportDayPage { RecordsJson = json, NextOffset = next };
    }

    public ValueTask DisposeAsync() => days.DisposeAsync();

    private void Update(ReportedPolicy policy, Action<PolicyRecord> change) => days.Update(new PolicyRecord { Policy = policy }, change);

    private static string KeyOf(ReportedPolicy policy) => $"{policy.Domain}\n{policy.Type}\n{string.Join('\n', policy.Strings)}";
}
