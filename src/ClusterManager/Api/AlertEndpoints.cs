using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.Alerts;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Api;

/// <summary>
/// <c>GET /api/v1/alerts</c>: the alerts the manager raised with what became of them (mailed by
/// which node, or why not; acknowledged by whom); <c>POST /api/v1/alerts/ack</c> acknowledges one.
/// </summary>
internal static class AlertEndpoints
{
    private const int MaxListed = 10_000;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/alerts", async (ManagerAlerts alerts, int? last, HttpContext context) =>
            Results.Json(await alerts.ListAsync(Math.Clamp(last ?? 100, 1, MaxListed), context.RequestAborted), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapPost("/alerts/ack", async (HttpContext context, ManagerAlerts alerts) =>
        {
            var request = await AdminApi.Read<AlertAckRequest>(context);
            var acknowledged = await alerts.AcknowledgeAsync(request.Key, AdminTokenHandler.Actor(context), context.RequestAborted);
            return Results.Json(new AlertAckAnswer(request.Key, acknowledged ? "acknowledged" : "was already acknowledged"), AdminApi.Json);
        }).For(ApiRole.Operator);
    }
}
