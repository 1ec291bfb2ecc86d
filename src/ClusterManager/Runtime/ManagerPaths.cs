namespace Gatehouse.ClusterManager.Runtime;

/// <summary>Where the manager keeps its files inside the data directory.</summary>
internal sealed record ManagerPaths(string DataDir)
{
    public string AdminToken => Path.Combine(DataDir, "admin.token");

    /// <summary>GUI administrators with salted password hashes (mode 0600).</summary>
    public string AdminUsers => Path.Combine(DataDir, "admin-users.json");

    public string CaCertificate => Path.Combine(DataDir, "ca", "ca.crt");

    /// <summary>Written at start: the URL clients on this host use to reach the manager.</summary>
    public string Endpoint => Path.Combine(DataDir, "manager.url");
}
