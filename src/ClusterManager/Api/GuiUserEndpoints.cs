using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Gui;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Api;

/// <summary>
/// GUI administrators (admin only): <c>GET /api/v1/users</c> lists the names,
/// <c>PUT /api/v1/users/{name}</c> <c>{"password"}</c> adds one or sets its password,
/// <c>DELETE /api/v1/users/{name}</c> removes one. Kept in the store, so on every replica; audited.
/// </summary>
internal static class GuiUserEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/users", async (AdminUsers users, HttpContext context) =>
            Results.Json(await users.NamesAsync(context.RequestAborted), AdminApi.Json));

        api.MapPut("/users/{name}", async (string name, AdminUsers users, AuditLog audit, HttpContext context) =>
        {
            var request = await AdminApi.Read<GuiUserRequest>(context);
            await users.SetAsync(name, request.Password ?? "", context.RequestAborted);
            await audit.RecordAsync(AdminTokenHandler.Actor(context), "user set", name, context.RequestAborted);
            return Results.Json(new GuiUserView(name), AdminApi.Json);
        });

        api.MapDelete("/users/{name}", async (string name, AdminUsers users, AuditLog audit, HttpContext context) =>
        {
            if (!await users.DeleteAsync(name, context.RequestAborted))
            {
                return Results.Json(new ApiError($"no user '{name}'"), AdminApi.Json, statusCode: StatusCodes.Status404NotFound);
            }

            await audit.RecordAsync(AdminTokenHandler.Actor(context), "user delete", name, context.RequestAborted);
            return Results.Json(new GuiUserView(name), AdminApi.Json);
        });
    }
}
