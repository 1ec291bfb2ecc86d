namespace Gatehouse.Node.Model;

/// <summary>Holds the snapshot in force; readers take it without locks, writers swap it whole.</summary>
internal sealed class CurrentConfig
{
    private NodeSnapshot? current;

    public NodeSnapshot? Snapshot => Volatile.Read(ref current);

    public long Version => Snapshot?.Version ?? 0;

    public void Swap(NodeSnapshot next) => Volatile.Write(ref current, next);
}
