namespace Gatehouse.ClusterManager.Store;

/// <summary>How many domains' MTA-STS policies the cluster keeps, and how many bytes of them in all.</summary>
internal sealed record StsPolicyBounds(int MaxDomains, long MaxBytes);
