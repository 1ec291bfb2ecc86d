using System.Text.Json;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Nodes;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.ClusterManager.Api;

/// <summary>The admin REST API: the same services the CLI and GUI use, nothing of its own.</summary>
internal static class AdminApi
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    // The node gives up after TlsVerifier.Limit and reports what it saw; this is a little longer.
    private static readonly TimeSpan TlsVerifyTimeout = TimeSpan.FromSeconds(50);

    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").RequireAuthorization(AccessPolicies.AdminApi);
        api.AdminUnlessMarked();

        api.MapGet("/nodes", async (IManagerStore store) =>
        {
            var latest = await store.GetLatestAsync();
            var nodes = await store.ListNodesAsync();
            return Results.Json(nodes.Select(n => new NodeView(
                n.Name, n.Connected, n.LastSeen?.ToDateTimeOffset(), n.AppliedVersion, n.LastError, n.Address,
                n.JoinedAt?.ToDateTimeOffset(), MachineSettings.Count(latest.Content.Machines.GetValueOrDefault(n.Name)), n.SoftwareVersion)), Json);
        }).For(ApiRole.ReadOnly);

        api.MapDelete("/nodes/{name}", async (string name, NodeRemoval removal, HttpContext context) =>
            Results.Json(new RemoveResponse(name, await removal.RemoveAsync(name, AdminTokenHandler.Actor(context))), Json));

        api.MapPost("/nodes/{name}/tlsverify", async (string name, HttpContext context, Distribution.NodeQueries queries) =>
        {
            var domain = (await Read<TlsVerifyRequest>(context)).Domain.Trim().TrimEnd('.');
            if (!HostNameSyntax.IsValid(domain))
            {
                throw new ChangeRejectedException($"'{domain}' is not a domain");
            }

            var answer = await queries.AskAsync(name, new NodeQuery { TlsVerifyDomain = domain }, TlsVerifyTimeout, context.RequestAborted);
            return answer.Error.Length > 0
                ? Results.Json(new ApiError($"node {name}: {answer.Error}"), Json, statusCode: StatusCodes.Status502BadGateway)
                : Results.Text(Google.Protobuf.JsonFormatter.Default.Format(answer.TlsVerify), "application/json");
        }).For(ApiRole.Operator);

        api.MapPost("/tokens", async (HttpContext context, JoinTokens tokens) =>
        {
            var request = await Read<TokenRequest>(context);
            var (token, expires) = await tokens.CreateAsync(TimeSpan.FromSeconds(request.TtlSeconds), AdminTokenHandler.Actor(context));
            return Results.Json(new TokenResponse(token.ToString(), expires), Json);
        });

        ConfigEndpoints.Map(api);
        QueueEndpoints.Map(api);
        AlertEndpoints.Map(api);
        TlsReportEndpoints.Map(api);
        DmarcReportEndpoints.Map(api);
        StsPolicyEndpoints.Map(api);
        ApiTokenEndpoints.Map(api);
        GuiUserEndpoints.Map(api);
        BackupEndpoints.Map(api);
        api.MapGet("/status", async (Nodes.ClusterStatus status, HttpContext context) =>
            Results.Json(await status.GetAsync(context.RequestAborted), Json)).For(ApiRole.ReadOnly);
        api.MapPost("/track", async (Tracking.MessageTracking tracking, HttpContext context) =>
            Results.Json(await tracking.SearchAsync(await Read<TrackRequest>(context), context.RequestAborted), Json)).For(ApiRole.ReadOnly);
        CertificateEndpoints.Map(api);
        SigningKeyEndpoints.Map(api);

        api.MapGet("/history", async (IManagerStore store) =>
            Results.Json((await store.ListVersionsAsync()).Select(v => new VersionView(
                v.Version, v.Author, v.CommittedAt.ToDateTimeOffset(), v.Comment)), Json)).For(ApiRole.ReadOnly);

        api.MapGet("/audit", async (IManagerStore store, int? last) =>
            Results.Json((await store.ReadAuditAsync(last ?? 100)).Select(a => new AuditView(
                a.At.ToDateTimeOffset(), a.Actor, a.Action, a.Detail)), Json)).For(ApiRole.ReadOnly);
    }

    public static async Task<T> Read<T>(HttpContext context)
    {
        try
        {
            return await context.Request.ReadFromJsonAsync<T>(Json)
                ?? throw new ChangeRejectedException("the request body is empty");
        }
        catch (JsonException e)
        {
            throw new ChangeRejectedException($"the request body is not valid: {e.Message}");
        }
    }
}
