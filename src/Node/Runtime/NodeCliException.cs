namespace Gatehouse.Node.Runtime;

/// <summary>A failure to report as one line on stderr and a non-zero exit.</summary>
internal sealed class NodeCliException : Exception
{
    public NodeCliException()
    {
    }

    public NodeCliException(string message)
        : base(message)
    {
    }

    public NodeCliException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
