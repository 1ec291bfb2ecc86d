using Gatehouse.Cluster.TlsRpt;

namespace Gatehouse.ClusterManager.TlsReports;

/// <summary>
/// Adds up the nodes' records of one day into the cluster's: the same policy (domain, type and
/// policy strings) seen by several nodes becomes one element whose counts are the sums, and the
/// same failure (type, sending address, MX host, receiving address) one detail.
/// </summary>
internal static class PolicyMerge
{
    /// <summary>The merged records per policy domain (lower case), domains and policies in a stable order.</summary>
    public static SortedDictionary<string, List<PolicyRecord>> ByDomain(IEnumerable<PolicyRecord> records)
    {
        var merged = new Dictionary<string, PolicyRecord>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            var key = KeyOf(record.Policy);
            if (!merged.TryGetValue(key, out var into))
            {
                merged[key] = into = new PolicyRecord { Policy = record.Policy with { Domain = record.Policy.Domain.ToLowerInvariant() } };
            }

            Add(into, record);
        }

        var byDomain = new SortedDictionary<string, List<PolicyRecord>>(StringComparer.Ordinal);
        foreach (var (key, record) in merged.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var domain = record.Policy.Domain;
            if (!byDomain.TryGetValue(domain, out var list))
            {
                byDomain[domain] = list = [];
            }

            list.Add(record);
        }

        return byDomain;
    }

    private static void Add(PolicyRecord into, PolicyRecord from)
    {
        into.Summary.Successful += from.Summary.Successful;
        into.Summary.Failed += from.Summary.Failed;
        var hosts = into.Policy.MxHosts.Union(from.Policy.MxHosts ?? [], StringComparer.OrdinalIgnoreCase).ToList();
        if (hosts.Count != into.Policy.MxHosts.Count)
        {
            into.Policy = into.Policy with { MxHosts = hosts };
        }

        foreach (var detail in from.FailureDetails)
        {
            var same = into.FailureDetails.FirstOrDefault(d => d.ResultType == detail.ResultType && d.SendingMtaIp == detail.SendingMtaIp
                && string.Equals(d.ReceivingMxHostname, detail.ReceivingMxHostname, StringComparison.OrdinalIgnoreCase) && d.ReceivingIp == detail.ReceivingIp);
            if (same is null)
            {
                into.FailureDetails.Add(same = new FailureDetail { ResultType = detail.ResultType, SendingMtaIp = detail.SendingMtaIp, ReceivingMxHostname = detail.ReceivingMxHostname, ReceivingIp = detail.ReceivingIp });
            }

            same.FailedSessionCount += detail.FailedSessionCount;
        }
    }

    private static string KeyOf(ReportedPolicy policy) =>
        $"{policy.Domain.ToLowerInvariant()}\n{policy.Type}\n{string.Join('\n', policy.Strings ?? [])}";
}
