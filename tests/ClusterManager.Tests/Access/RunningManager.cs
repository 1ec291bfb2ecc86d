using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Gatehouse.ClusterManager.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.ClusterManager.Tests.Access;

/// <summary>
/// The manager's web host on a loopback port with its own data directory, and raw HTTP/1.1
/// requests to it, so that nothing on the client side rewrites the path.
/// </summary>
internal sealed class RunningManager : IAsyncDisposable
{
    private readonly ManagerHost host;
    private readonly int port;

    private RunningManager(string dataDir, ManagerHost host, int port)
    {
        DataDir = dataDir;
        this.host = host;
        this.port = port;
    }

    public string DataDir { get; }

    public IServiceProvider Services => host.App.Services;

    public IEnumerable<RouteEndpoint> Endpoints => Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    public static async Task<RunningManager> StartAsync()
    {
        var dataDir = Directory.CreateTempSubdirectory("gatehouse-endpoints-").FullName;
        var host = await ManagerServer.BuildAsync(dataDir, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), store: null);
        await ManagerServer.InitializeAsync(host.App.Services, TimeProvider.System);
        await host.App.StartAsync();
        var address = host.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new RunningManager(dataDir, host, new Uri(address).Port);
    }

    /// <summary>The whole answer, or as much as came before <paramref name="wait"/> ran out (empty when nothing did).</summary>
    public async Task<string> SendAsync(string method, string path, string? header = null, TimeSpan? wait = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(client.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("localhost");
        var body = method is "POST" or "PUT" ? "{}" : "";
        var request = $"{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            + (header is null ? "" : header + "\r\n")
            + (body.Length > 0 ? $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n" : "")
            + "\r\n" + body;
        await tls.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var reader = new StreamReader(tls, Encoding.Latin1);
        using var limit = new CancellationTokenSource(wait ?? TimeSpan.FromSeconds(20));
        try
        {
            return await reader.ReadToEndAsync(limit.Token);
        }
        catch (OperationCanceledException) when (wait is not null)
        {
            return "";
        }
    }

    public async ValueTask DisposeAsync()
    {
        await host.App.StopAsync();
        await host.DisposeAsync();
        Directory.Delete(DataDir, recursive: true);
    }
}
