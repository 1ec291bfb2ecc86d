using Gatehouse.Cluster.DmarcRpt;

namespace Gatehouse.ClusterManager.DmarcReports;

/// <summary>
/// Adds up the nodes' DMARC rows of one day into the cluster's: rows alike in everything but
/// the count (the same source, From domain, policy and results, seen by several nodes) become
/// one whose count is the sum; rows are grouped by the domain whose record was applied.
/// </summary>
internal static class DmarcRowMerge
{
    public static SortedDictionary<string, List<DmarcRow>> ByDomain(IEnumerable<DmarcRow> rows)
    {
        var merged = new Dictionary<string, DmarcRow>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var domain = row.Policy.Domain.ToLowerInvariant();
            var key = row.Key;
            if (merged.TryGetValue(key, out var into))
            {
                into.Count += row.Count;
            }
            else
            {
                merged[key] = new DmarcRow
                {
                    Policy = row.Policy with { Domain = domain },
                    SourceIp = row.SourceIp,
                    HeaderFrom = row.HeaderFrom.ToLowerInvariant(),
                    EnvelopeFrom = row.EnvelopeFrom.ToLowerInvariant(),
                    Disposition = row.Disposition,
                    Dkim = row.Dkim,
                    Spf = row.Spf,
                    Reasons = row.Reasons,
                    DkimResults = row.DkimResults,
                    SpfResult = row.SpfResult,
                    Count = row.Count,
                };
            }
        }

        var byDomain = new SortedDictionary<string, List<DmarcRow>>(StringComparer.Ordinal);
        foreach (var (_, row) in merged.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!byDomain.TryGetValue(row.Policy.Domain, out var list))
            {
                byDomain[row.Policy.Domain] = list = [];
            }

            list.Add(row);
        }

        return byDomain;
    }
}
