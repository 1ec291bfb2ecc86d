using System.Text.Json.Nodes;

namespace Gatehouse.Harness;

/// <summary>One policy of a node's TLS report of today (<c>gatehouse-node tls-report</c>), as RFC 8460 names its fields.</summary>
public sealed record TlsReportPolicy(string Domain, string Type, IReadOnlyList<string> Strings, long Successful, long Failed, IReadOnlyList<TlsReportFailure> Failures);

public sealed record TlsReportFailure(string ResultType, string SendingIp, string Host, string ReceivingIp, long Count);

public static class TlsReport
{
    public static async Task<IReadOnlyList<TlsReportPolicy>> ReadAsync(NodeInstance node)
    {
        var report = JsonNode.Parse((await node.CliAsync("tls-report")).Succeeded().Output)!;
        return [.. report["policies"]!.AsArray().Select(p => new TlsReportPolicy(
            (string)p!["policy"]!["policy-domain"]!,
            (string)p["policy"]!["policy-type"]!,
            [.. p["policy"]!["policy-string"]!.AsArray().Select(s => (string)s!)],
            (long)p["summary"]!["total-successful-session-count"]!,
            (long)p["summary"]!["total-failure-session-count"]!,
            [.. p["failure-details"]!.AsArray().Select(f => new TlsReportFailure(
                (string)f!["result-type"]!, (string)f["sending-mta-ip"]!, (string)f["receiving-mx-hostname"]!, (string)f["receiving-ip"]!, (long)f["failed-session-count"]!))]))];
    }

    /// <summary>Waits until the node's report of today has a policy of that domain and type that satisfies <paramref name="holds"/>.</summary>
    public static Task WaitForAsync(NodeInstance node, string domain, string type, Func<TlsReportPolicy, bool> holds) =>
        Wait.UntilAsync(async () => (await ReadAsync(node)).Any(p => p.Domain == domain && p.Type == type && holds(p)), $"the TLS report has {type} for {domain}");
}
