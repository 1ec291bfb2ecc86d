namespace Gatehouse.ClusterManager.Cli;

/// <summary>A failure to report as one line on stderr (plus optional detail lines) and a non-zero exit.</summary>
internal sealed class CliException : Exception
{
    public CliException()
    {
    }

    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public CliException(string message, IReadOnlyList<string> details)
        : base(message)
    {
        Details = details;
    }

    public IReadOnlyList<string> Details { get; } = [];
}
