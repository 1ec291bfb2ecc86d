namespace Gatehouse.Cluster.Harvest;

/// <summary>
/// How much one report of invalid recipients may say (see <c>InvalidRecipientCounts</c>): a node
/// sends no more, the manager passes on no more, and what exceeds it is cut, not trusted.
/// </summary>
public static class InvalidRecipientBounds
{
    /// <summary>Client addresses in one report.</summary>
    public const int MaxAddresses = 1_000;

    /// <summary>Refusals counted for one address in one report, far above any policy's limit an hour.</summary>
    public const uint MaxPerAddress = 10_000;
}
