namespace Gatehouse.ClusterManager.TlsReports;

/// <summary>A node asked for its records of the day; <c>Problem</c> says why one did not answer.</summary>
internal sealed record TlsReportNode(string Node, bool Answered, string? Problem, int Policies);

/// <summary>One policy domain's report of the day: its counts, what became of it and the report itself.</summary>
internal sealed record TlsReportDomain(string Domain, long Successful, long Failed, string State, TlsReportDocument Report);

/// <summary>The cluster's TLS reports of one day (<c>GET /api/v1/tls-reports</c>, <c>gatehouse-manager tls-report</c>).</summary>
internal sealed record TlsReportsOfDay(string Date, bool Enabled, List<TlsReportNode> Nodes, List<TlsReportDomain> Reports)
{
    /// <summary>What the audit log says of a send: each domain and what became of its report.</summary>
    public string Summary() => $"{Date}: {string.Join("; ", Reports.Select(r => $"{r.Domain} {r.State}"))}";
}
