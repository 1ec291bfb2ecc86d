using System.Net;
using Gatehouse.ClusterManager.Runtime;

namespace Gatehouse.ClusterManager.Hosting;

/// <summary>A built manager application and the resources it keeps open until disposed.</summary>
internal sealed class ManagerHost(WebApplication app, ManagerPaths paths, IPEndPoint endpoint, IReadOnlyList<IDisposable> held) : IAsyncDisposable
{
    public WebApplication App => app;

    public ManagerPaths Paths => paths;

    public IPEndPoint Endpoint => endpoint;

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        foreach (var resource in held)
        {
            resource.Dispose();
        }
    }
}
