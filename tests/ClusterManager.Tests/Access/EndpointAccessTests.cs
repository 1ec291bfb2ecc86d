using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Gatehouse.ClusterManager.Hosting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.ClusterManager.Tests.Access;

/// <summary>
/// SEC-1: every endpoint the manager maps refuses an anonymous caller, whatever the spelling of
/// its path; the anonymous ones are exactly those a login or a join needs.
/// </summary>
[Trait("Category", "Security")]
public sealed class EndpointAccessTests : IAsyncLifetime
{
    private static readonly string[] ExpectedAnonymous =
        ["/cluster-ca.crl", "/cluster-ca.pem", "/gatehouse.cluster.v1.NodeService/Join", "/gui.css", "/gui.js", "/login"];

    private readonly string dataDir = Directory.CreateTempSubdirectory("gatehouse-endpoints-").FullName;
    private ManagerHost host = null!;
    private int port;

    public async Task InitializeAsync()
    {
        host = await ManagerServer.BuildAsync(dataDir, new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0), store: null);
        await ManagerServer.InitializeAsync(host.App.Services, TimeProvider.System);
        await host.App.StartAsync();
        var address = host.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        port = new Uri(address).Port;
    }

    public async Task DisposeAsync()
    {
        await host.App.StopAsync();
        await host.DisposeAsync();
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public void Only_the_login_page_with_its_assets_the_CA_downloads_and_the_join_RPC_are_anonymous()
    {
        var anonymous = Endpoints().Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(e => Path(e.RoutePattern));

        Assert.Equal(ExpectedAnonymous, anonymous.Order(StringComparer.Ordinal).Distinct());
    }

    [Fact]
    public async Task Every_other_endpoint_refuses_an_anonymous_caller_in_every_spelling_of_its_path()
    {
        var tried = 0;
        foreach (var endpoint in Endpoints().Where(e => e.Metadata.GetMetadata<IAllowAnonymous>() is null))
        {
            var path = Path(endpoint.RoutePattern);
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            foreach (var method in methods.Where(m => m != HttpMethods.Options))
            {
                foreach (var spelling in Spellings(path))
                {
                    var answer = await SendAsync(method, spelling);
                    Assert.True(Refused(answer), $"{method} {spelling} ({endpoint.DisplayName}) answered an anonymous caller:\n{answer}");
                    tried++;
                }

                // As mapped, the request reaches the endpoint and its access rule says no (not a 404 that proves nothing).
                var mapped = await SendAsync(method, path);
                Assert.True(RefusedByAccessRule(mapped), $"{method} {path} ({endpoint.DisplayName}) was not refused by its access rule:\n{mapped}");
            }
        }

        Assert.True(tried > 100, $"only {tried} requests were tried");
    }

    [Fact]
    public async Task The_admin_token_opens_the_API_in_any_letter_case_and_nothing_else_does()
    {
        var token = (await File.ReadAllTextAsync(System.IO.Path.Combine(dataDir, "admin.token"))).Trim();

        Assert.StartsWith("HTTP/1.1 200", await SendAsync("GET", "/API/V1/NODES", $"Authorization: Bearer {token}"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 401", await SendAsync("GET", "/API/V1/NODES", $"Authorization: Bearer {token}x"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 401", await SendAsync("GET", "/api/v1/nodes", $"Authorization: Basic {token}"), StringComparison.Ordinal);
    }

    private IEnumerable<RouteEndpoint> Endpoints() =>
        host.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    // A concrete path for a route: parameters get a plain value; optional ones are left out.
    private static string Path(RoutePattern pattern)
    {
        var segments = pattern.PathSegments
            .Where(s => !s.Parts.All(p => p is RoutePatternParameterPart { IsOptional: true }))
            .Select(s => string.Concat(s.Parts.Select(p => p switch
            {
                RoutePatternLiteralPart literal => literal.Content,
                RoutePatternSeparatorPart separator => separator.Content,
                _ => "x",
            })));
        return "/" + string.Join("/", segments);
    }

    // The path as written, in upper case, in mixed case, percent-encoded, and with dot segments.
    private static IEnumerable<string> Spellings(string path)
    {
        yield return path;
        yield return path.ToUpperInvariant();
        yield return new string(path.Select((c, i) => i % 2 == 0 ? char.ToUpperInvariant(c) : c).ToArray());
        yield return string.Concat(path.Split('/').Select((s, i) => i == 0 ? "" : "/" + (s.Length > 0 && char.IsAsciiLetter(s[0]) ? $"%{(int)s[0]:X2}{s[1..]}" : s)));
        yield return "/." + path;
        yield return "/x/.." + path;
    }

    // Refused one way or another: by the access rule, or because the spelling reaches no endpoint at all.
    private static bool Refused(string answer) =>
        RefusedByAccessRule(answer) || int.Parse(answer.AsSpan(9, 3), provider: null) is 400 or 404 or 405;

    // 401 from the admin token, a redirect to the login page, or a gRPC status from the node certificate rule.
    private static bool RefusedByAccessRule(string answer)
    {
        var status = int.Parse(answer.AsSpan(9, 3), provider: null);
        var headers = answer[..answer.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        return status is 401 or 403
            || (status == 302 && headers.Contains("Location: https://localhost/login?ReturnUrl=", StringComparison.Ordinal))
            || (status == 200 && (headers.Contains("grpc-status: 16", StringComparison.OrdinalIgnoreCase) || headers.Contains("grpc-status: 7", StringComparison.OrdinalIgnoreCase)));
    }

    // Raw HTTP/1.1 so that nothing on the client side rewrites the path.
    private async Task<string> SendAsync(string method, string path, string? header = null)
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
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await reader.ReadToEndAsync(limit.Token);
    }
}
