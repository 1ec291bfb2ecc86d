using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

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

    private RunningManager manager = null!;

    public async Task InitializeAsync() => manager = await RunningManager.StartAsync();

    public async Task DisposeAsync() => await manager.DisposeAsync();

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
        var token = (await File.ReadAllTextAsync(System.IO.Path.Combine(manager.DataDir, "admin.token"))).Trim();

        Assert.StartsWith("HTTP/1.1 200", await SendAsync("GET", "/API/V1/NODES", $"Authorization: Bearer {token}"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 401", await SendAsync("GET", "/API/V1/NODES", $"Authorization: Bearer {token}x"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 401", await SendAsync("GET", "/api/v1/nodes", $"Authorization: Basic {token}"), StringComparison.Ordinal);
    }

    private IEnumerable<RouteEndpoint> Endpoints() => manager.Endpoints;

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

    private Task<string> SendAsync(string method, string path, string? header = null) => manager.SendAsync(method, path, header);
}
