using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Harness;

/// <summary>A loopback TCP server for test peers: accepts until disposed and serves each client on its own task.</summary>
public abstract class TcpTestServer : IAsyncDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Task accepting;

    protected TcpTestServer(IPEndPoint endpoint)
    {
        listener = new TcpListener(endpoint);
        listener.Start(512);
        Endpoint = (IPEndPoint)listener.LocalEndpoint;
        accepting = AcceptAsync();
    }

    public IPEndPoint Endpoint { get; }

    protected CancellationToken Stopping => stop.Token;

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Serves one client; the client is disposed afterwards.</summary>
    protected abstract Task ServeAsync(Stream stream);

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            _ = ServeClientAsync(client);
        }
    }

    private async Task ServeClientAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await ServeAsync(client.GetStream());
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
            {
                // The client went away or the server stops.
            }
        }
    }
}
