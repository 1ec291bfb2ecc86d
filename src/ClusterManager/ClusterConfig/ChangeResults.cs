namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>One validation error found at commit, for one node (or "cluster" before any node exists).</summary>
internal sealed record CommitError(string Node, string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? $"{Node}: {Message}" : $"{Node}: {Path}: {Message}";
}

/// <summary>A commit either made a version or changed nothing and says why; warnings never stop it.</summary>
internal sealed record CommitResult(long? Version, IReadOnlyList<CommitError> Errors, IReadOnlyList<CommitError> Warnings);

/// <summary>The pending change set as shown by showchanges.</summary>
internal sealed record ChangesView(long BaseVersion, IReadOnlyList<ChangeEntry> Changes, IReadOnlyList<string> Differences);

internal sealed record ChangeEntry(string Author, DateTimeOffset At, string Description);

/// <summary>A request the admin must correct; the message says how. Nothing was changed.</summary>
internal sealed class ChangeRejectedException : Exception
{
    public ChangeRejectedException()
    {
    }

    public ChangeRejectedException(string message)
        : base(message)
    {
    }

    public ChangeRejectedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
