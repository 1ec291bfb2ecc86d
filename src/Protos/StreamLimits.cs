namespace Gatehouse.Cluster;

/// <summary>
/// The largest message each side of a node's stream sends and accepts, set on both ends rather
/// than left at gRPC's 4 MB default, which a snapshot of a few hundred certificates with their
/// chains passes. The manager refuses to commit a version whose snapshot for some node would
/// not fit; a node keeps its answers under its limit (tracking answers are cut and say so).
/// </summary>
public static class StreamLimits
{
    /// <summary>Manager to node: snapshots (all of a node's configuration), shared policies, questions.</summary>
    public const int ManagerToNode = 64 * 1024 * 1024;

    /// <summary>Node to manager: answers (message tracking, TLS report pages), status, renewal requests.</summary>
    public const int NodeToManager = 16 * 1024 * 1024;
}
