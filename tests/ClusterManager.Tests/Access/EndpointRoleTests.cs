using Gatehouse.ClusterManager.Access;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gatehouse.ClusterManager.Tests.Access;

/// <summary>
/// Every admin API endpoint, tried with a token of every role: a role below the endpoint's is
/// refused with 403, one at or above it passes the access rule. The expected role of each
/// endpoint is written here, so a new endpoint fails this test until someone decides who may call it.
/// </summary>
[Trait("Category", "Security")]
public sealed class EndpointRoleTests : IAsyncLifetime
{
    private static readonly Dictionary<string, ApiRole> Expected = new(StringComparer.Ordinal)
    {
        ["GET /api/v1/nodes"] = ApiRole.ReadOnly,
        ["GET /api/v1/status"] = ApiRole.ReadOnly,
        ["POST /api/v1/track"] = ApiRole.ReadOnly,
        ["GET /api/v1/history"] = ApiRole.ReadOnly,
        ["GET /api/v1/audit"] = ApiRole.ReadOnly,
        ["GET /api/v1/changes"] = ApiRole.ReadOnly,
        ["GET /api/v1/config"] = ApiRole.ReadOnly,
        ["GET /api/v1/config/groups"] = ApiRole.ReadOnly,
        ["GET /api/v1/certificates"] = ApiRole.ReadOnly,
        ["GET /api/v1/certificates/{name}/csr"] = ApiRole.ReadOnly,
        ["GET /api/v1/tlscheck/inbound/{domain}"] = ApiRole.ReadOnly,
        ["GET /api/v1/trusted-cas"] = ApiRole.ReadOnly,
        ["GET /api/v1/trusted-cas/crls"] = ApiRole.ReadOnly,
        ["GET /api/v1/signing-keys"] = ApiRole.ReadOnly,
        ["GET /api/v1/signing-keys/{name}/dns"] = ApiRole.ReadOnly,
        ["GET /api/v1/tls-reports"] = ApiRole.ReadOnly,
        ["GET /api/v1/dmarc-reports"] = ApiRole.ReadOnly,
        ["GET /api/v1/alerts"] = ApiRole.ReadOnly,
        ["GET /api/v1/sts-policies"] = ApiRole.ReadOnly,
        ["PUT /api/v1/changes/cluster"] = ApiRole.Operator,
        ["PUT /api/v1/changes/machines/{name}"] = ApiRole.Operator,
        ["PUT /api/v1/changes/groups/{name}"] = ApiRole.Operator,
        ["PUT /api/v1/changes"] = ApiRole.Operator,
        ["DELETE /api/v1/changes"] = ApiRole.Operator,
        ["POST /api/v1/groups"] = ApiRole.Operator,
        ["POST /api/v1/commit"] = ApiRole.Operator,
        ["POST /api/v1/rollback"] = ApiRole.Operator,
        ["POST /api/v1/queue"] = ApiRole.Operator,
        ["POST /api/v1/nodes/{name}/tlsverify"] = ApiRole.Operator,
        ["POST /api/v1/tls-reports/send"] = ApiRole.Operator,
        ["POST /api/v1/dmarc-reports/send"] = ApiRole.Operator,
        ["POST /api/v1/alerts/ack"] = ApiRole.Operator,
        ["DELETE /api/v1/sts-policies/{domain}"] = ApiRole.Operator,
        ["POST /api/v1/config/export"] = ApiRole.Admin,
        ["DELETE /api/v1/nodes/{name}"] = ApiRole.Admin,
        ["POST /api/v1/tokens"] = ApiRole.Admin,
        ["POST /api/v1/api-tokens"] = ApiRole.Admin,
        ["GET /api/v1/api-tokens"] = ApiRole.Admin,
        ["DELETE /api/v1/api-tokens/{name}"] = ApiRole.Admin,
        ["POST /api/v1/certificates/selfsigned"] = ApiRole.Admin,
        ["POST /api/v1/certificates/pkcs12"] = ApiRole.Admin,
        ["POST /api/v1/certificates/pem"] = ApiRole.Admin,
        ["POST /api/v1/certificates/{name}/renew"] = ApiRole.Admin,
        ["POST /api/v1/certificates/{name}/signed"] = ApiRole.Admin,
        ["POST /api/v1/certificates/{name}/export"] = ApiRole.Admin,
        ["DELETE /api/v1/certificates/{name}"] = ApiRole.Admin,
        ["PUT /api/v1/trusted-cas/system"] = ApiRole.Admin,
        ["PUT /api/v1/trusted-cas/custom"] = ApiRole.Admin,
        ["POST /api/v1/trusted-cas/crls"] = ApiRole.Admin,
        ["DELETE /api/v1/trusted-cas/crls"] = ApiRole.Admin,
        ["POST /api/v1/signing-keys"] = ApiRole.Admin,
        ["DELETE /api/v1/signing-keys/{name}"] = ApiRole.Admin,
        ["POST /api/v1/dkim-profiles/{name}/rotate"] = ApiRole.Admin,
        ["POST /api/v1/backup"] = ApiRole.Admin,
        ["GET /api/v1/users"] = ApiRole.Admin,
        ["PUT /api/v1/users/{name}"] = ApiRole.Admin,
        ["DELETE /api/v1/users/{name}"] = ApiRole.Admin,
    };

    private readonly Dictionary<ApiRole, string> tokens = [];
    private RunningManager manager = null!;

    public async Task InitializeAsync()
    {
        manager = await RunningManager.StartAsync();
        var named = manager.Services.GetRequiredService<ApiTokens>();
        foreach (var role in ApiRoles.All)
        {
            tokens[role] = await named.CreateAsync($"test-{role.Name()}", role, "test", CancellationToken.None);
        }
    }

    public async Task DisposeAsync() => await manager.DisposeAsync();

    [Fact]
    public void Every_API_endpoint_has_the_role_written_here_as_its_metadata()
    {
        var mapped = ApiEndpoints().ToDictionary(e => e.Key, e => e.Role);

        Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), mapped.Keys.Order(StringComparer.Ordinal));
        Assert.All(Expected, e => Assert.Equal((e.Key, e.Value), (e.Key, mapped[e.Key])));
    }

    [Fact]
    public async Task A_token_below_an_endpoints_role_gets_403_and_one_at_or_above_it_passes_in_any_spelling()
    {
        foreach (var (key, required) in Expected)
        {
            var (method, route) = (key.Split(' ')[0], key.Split(' ')[1]);
            var path = route.Replace("{name}", "x", StringComparison.Ordinal).Replace("{domain}", "x.invalid", StringComparison.Ordinal);
            foreach (var role in ApiRoles.All)
            {
                var spelling = role == ApiRole.Operator ? path.ToUpperInvariant() : path;
                var status = await StatusAsync(method, spelling, tokens[role]);
                if (role < required)
                {
                    Assert.True(status == 403, $"{method} {spelling} with a {role.Name()} token answered {status}, not 403");
                }
                else
                {
                    Assert.True(status is not (401 or 403), $"{method} {spelling} with a {role.Name()} token answered {status}");
                }
            }
        }
    }

    [Fact]
    public async Task A_revoked_token_is_refused_at_once()
    {
        var named = manager.Services.GetRequiredService<ApiTokens>();
        var token = await named.CreateAsync("leaving", ApiRole.Admin, "test", CancellationToken.None);
        Assert.Equal(200, await StatusAsync("GET", "/api/v1/nodes", token));

        Assert.True(await named.RevokeAsync("leaving", "test", CancellationToken.None));

        Assert.Equal(401, await StatusAsync("GET", "/api/v1/nodes", token));
    }

    private IEnumerable<(string Key, ApiRole? Role)> ApiEndpoints() =>
        manager.Endpoints
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => ($"{m} {e.RoutePattern.RawText}", e.Metadata.GetMetadata<ApiRoleMetadata>()?.Role)));

    // A request that passed the access rule and is still being handled after a few seconds counts as passed (0).
    private async Task<int> StatusAsync(string method, string path, string token)
    {
        var answer = await manager.SendAsync(method, path, $"Authorization: Bearer {token}", TimeSpan.FromSeconds(5));
        return answer.Length < 12 ? 0 : int.Parse(answer.AsSpan(9, 3), provider: null);
    }
}
