using Gatehouse.Cluster.V1;
using Google.Protobuf;

namespace Gatehouse.Node.Applying;

/// <summary>
/// Whether a snapshot carries settings this build does not know (a newer manager's fields). Protobuf
/// would keep them aside and the node would run without them — a setting accepted and ignored —
/// so such a snapshot is refused, and the node says to upgrade it.
/// </summary>
internal static class UnknownSettings
{
    private static readonly MessageParser<Snapshot> Discarding = Snapshot.Parser.WithDiscardUnknownFields(true);

    /// <summary>The refusal for such a snapshot, or null when every field is one this build knows.</summary>
    public static ValidationError? Problem(Snapshot snapshot, string build)
    {
        // Unknown fields are kept on parsing and written back; without them the message is smaller.
        var known = Discarding.ParseFrom(snapshot.ToByteString()).CalculateSize();
        return known == snapshot.CalculateSize() ? null : new ValidationError
        {
            Path = "version",
            Message = $"version {snapshot.Version} has settings this node (gatehouse-node {build}) does not know; upgrade the node, or leave those settings unset",
        };
    }
}
