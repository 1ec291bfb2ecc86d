namespace Gatehouse.Node.Runtime;

/// <summary>Where a node keeps its identity and state inside its data directory.</summary>
internal sealed record NodePaths(string DataDir)
{
    public string Identity => Path.Combine(DataDir, "node.json");

    public string Key => Path.Combine(DataDir, "tls", "node.key");

    public string Certificate => Path.Combine(DataDir, "tls", "node.crt");

    public string ClusterCa => Path.Combine(DataDir, "tls", "cluster-ca.crt");

    /// <summary>The last snapshot that passed validation and was applied (CL-7).</summary>
    public string LastGood => Path.Combine(DataDir, "state", "last-good.json");

    /// <summary>The durable mail queue (IN-6).</summary>
    public string Queue => Path.Combine(DataDir, "queue");

    /// <summary>
    /// The running node's control socket for queue commands, in a directory only the node's
    /// user can enter: whoever may use it may change the queue.
    /// </summary>
    public string ControlSocket => Path.Combine(DataDir, "run", "control.sock");

    /// <summary>When each alert may be sent again (the back-off survives restarts).</summary>
    public string AlertBackoff => Path.Combine(DataDir, "state", "alert-backoff.json");

    /// <summary>Outbound TLS sessions per day and policy, for TLS reporting (RFC 8460).</summary>
    public string TlsReports => Path.Combine(DataDir, "state", "tls-rpt");

    public string DmarcReports => Path.Combine(DataDir, "state", "dmarc");

    /// <summary>Written by <c>run</c>, read by <c>status</c>.</summary>
    public string Status => Path.Combine(DataDir, "state", "status.json");
}
