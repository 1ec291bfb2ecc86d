using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.QueueControl;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Api;

/// <summary><c>POST /api/v1/queue</c>: a queue command for one node or every connected node (<see cref="ClusterQueue"/>).</summary>
internal static class QueueEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/queue", async (HttpContext context, ClusterQueue queue) =>
            Results.Json(await queue.RunAsync(await AdminApi.Read<QueueRequest>(context), AdminTokenHandler.Actor(context), context.RequestAborted), AdminApi.Json))
            .For(ApiRole.Operator);
}
