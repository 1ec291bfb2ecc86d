using Gatehouse.Jobs;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// How long a node may take to read one message the manager sends it before its stream is
/// closed (configuration <c>NodeStreams:WriteDeadline</c>, default 60 s: a 64 MB snapshot at
/// about 1 MB/s). The node reconnects and gets the newest version again.
/// </summary>
internal sealed class NodeStreamLimits(IConfiguration configuration)
{
    public TimeSpan WriteDeadline { get; } = JobPeriods.Read(configuration, "NodeStreams", "WriteDeadline", TimeSpan.FromSeconds(60));
}
