using Gatehouse.Cluster.V1;
using Gatehouse.Node.Applying;
using Gatehouse.Node.Model;
using Gatehouse.Node.Runtime;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gatehouse.Node.Tests;

/// <summary>A node's apply path over a temporary data directory.</summary>
internal sealed class NodeFixture : IDisposable
{
    public NodeFixture()
    {
        DataDir = Directory.CreateTempSubdirectory("gatehouse-node-test-").FullName;
        var paths = new NodePaths(DataDir);
        Applier = new SnapshotApplier(Current, paths, new NodeStatusFile(paths, TimeProvider.System), TimeProvider.System, [], NullLogger<SnapshotApplier>.Instance);
    }

    public string DataDir { get; }

    public CurrentConfig Current { get; } = new();

    public SnapshotApplier Applier { get; }

    public IReadOnlyList<ValidationError> Apply(long version, params Certificate[] certificates) =>
        Apply(version, new LevelConfig { Certificates = { certificates } });

    public IReadOnlyList<ValidationError> Apply(long version, LevelConfig cluster) =>
        Applier.Apply(new Snapshot { Version = version, Nonce = $"n{version}", Cluster = cluster, Machine = new LevelConfig() });

    public void Dispose() => Directory.Delete(DataDir, recursive: true);
}
