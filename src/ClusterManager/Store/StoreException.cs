namespace Gatehouse.ClusterManager.Store;

/// <summary>The store refused or could not carry out an operation; the message is for the admin.</summary>
internal sealed class StoreException : Exception
{
    public StoreException()
    {
    }

    public StoreException(string message)
        : base(message)
    {
    }

    public StoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
