using Gatehouse.ClusterManager.Reports;

namespace Gatehouse.ClusterManager.DmarcReports;

/// <summary>One domain's DMARC report of the day: its message counts, what became of it and the XML report itself.</summary>
internal sealed record DmarcReportDomain(string Domain, long Messages, long Passed, long Failed, string State, string Report);

/// <summary>The cluster's DMARC aggregate reports of one day (<c>GET /api/v1/dmarc-reports</c>, <c>gatehouse-manager dmarc-report</c>).</summary>
internal sealed record DmarcReportsOfDay(string Date, bool Enabled, List<NodeAnswer> Nodes, List<DmarcReportDomain> Reports)
{
    /// <summary>What the audit log says of a send: each domain and what became of its report.</summary>
    public string Summary() => $"{Date}: {string.Join("; ", Reports.Select(r => $"{r.Domain} {r.State}"))}";
}
