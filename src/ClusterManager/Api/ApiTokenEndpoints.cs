using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Api;

/// <summary>
/// Named API tokens (admin only): <c>POST /api/v1/api-tokens</c> <c>{"name", "role"}</c> creates
/// one and shows it once, <c>GET</c> lists them (names, roles, who made them when),
/// <c>DELETE /api/v1/api-tokens/{name}</c> revokes one at once. Both are in the audit log.
/// </summary>
internal static class ApiTokenEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/api-tokens", async (HttpContext context, ApiTokens tokens) =>
        {
            var request = await AdminApi.Read<ApiTokenRequest>(context);
            var role = ApiRoles.Parse(request.Role) ?? throw new ChangeRejectedException("role: read-only, operator or admin");
            var token = await tokens.CreateAsync(request.Name ?? "", role, AdminTokenHandler.Actor(context), context.RequestAborted);
            return Results.Json(new ApiTokenCreated(request.Name!, role.Name(), token), AdminApi.Json);
        });

        api.MapGet("/api-tokens", async (ApiTokens tokens, HttpContext context) =>
            Results.Json((await tokens.ListAsync(context.RequestAborted)).Select(t => new ApiTokenView(t.Name, t.Role, t.CreatedBy, t.CreatedAt?.ToDateTimeOffset())), AdminApi.Json));

        api.MapDelete("/api-tokens/{name}", async (string name, ApiTokens tokens, HttpContext context) =>
            await tokens.RevokeAsync(name, AdminTokenHandler.Actor(context), context.RequestAborted)
                ? Results.Json(new ApiTokenView(name, "", "", null), AdminApi.Json)
                : Results.Json(new ApiError($"there is no token named {name}"), AdminApi.Json, statusCode: StatusCodes.Status404NotFound));
    }
}
