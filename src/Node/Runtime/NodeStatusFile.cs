using System.Text.Json;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Runtime;

/// <summary>What <c>gatehouse-node status</c> shows; written by the running node on every change.</summary>
internal sealed record NodeLocalStatus
{
    public string Name { get; init; } = "";

    public int ProcessId { get; init; }

    public bool Connected { get; init; }

    public string Manager { get; init; } = "";

    public long AppliedVersion { get; init; }

    public DateTimeOffset? AppliedAt { get; init; }

    public string LastError { get; init; } = "";

    public DateTimeOffset? LastContact { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Reads and updates the status file; updates from the sync loop and the applier are serialised.</summary>
internal sealed class NodeStatusFile(NodePaths paths, TimeProvider time)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly Lock gate = new();
    private NodeLocalStatus status = new();

    public NodeLocalStatus Current
    {
        get
        {
            lock (gate)
            {
                return status;
            }
        }
    }

    public void Update(Func<NodeLocalStatus, NodeLocalStatus> change)
    {
        lock (gate)
        {
            status = change(status) with { UpdatedAt = time.GetUtcNow(), ProcessId = Environment.ProcessId };
            AtomicFile.Write(paths.Status, JsonSerializer.SerializeToUtf8Bytes(status, Json));
        }
    }

    public static NodeLocalStatus? Read(NodePaths paths) =>
        File.Exists(paths.Status) ? JsonSerializer.Deserialize<NodeLocalStatus>(File.ReadAllText(paths.Status), Json) : null;
}
