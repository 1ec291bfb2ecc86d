using Gatehouse.ClusterManager.Alerts;
using Gatehouse.ClusterManager.Changes;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Hosting;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gatehouse.ClusterManager.Api;

/// <summary>
/// <c>GET /api/v1/alerts</c>: the alerts the manager raised with what became of them (mailed by
/// which node, or why not; acknowledged by whom); <c>POST /api/v1/alerts/ack</c> acknowledges one,
/// in the audit log.
/// </summary>
internal static class AlertEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/alerts", async (IManagerStore store, int? last) =>
            Results.Json(await ListAsync(store, last ?? 100, CancellationToken.None), AdminApi.Json));

        api.MapPost("/alerts/ack", async (HttpContext context, IManagerStore store, AuditLog audit, TimeProvider time) =>
        {
            var request = await AdminApi.Read<AlertAckRequest>(context);
            var alerts = await store.ListAlertsAsync(int.MaxValue, context.RequestAborted);
            var alert = alerts.FirstOrDefault(a => a.Key == request.Key)
                ?? throw new ChangeRejectedException("no alert has that key (see gatehouse-manager alerts)");
            var actor = AdminTokenHandler.Actor(context);
            var acknowledged = await store.TryAddAlertEventAsync(new AlertEvent
            {
                AlertKey = alert.Key,
                Kind = AlertDispatcher.Acknowledged,
                At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow()),
                By = actor,
            }, context.RequestAborted);
            if (acknowledged)
            {
                await audit.RecordAsync(actor, "alert acknowledge", $"{alert.Key}: {alert.Message}", context.RequestAborted);
            }

            return Results.Json(new AlertAckAnswer(alert.Key, acknowledged ? "acknowledged" : "was already acknowledged"), AdminApi.Json);
        });
    }

    public static async Task<List<AlertView>> ListAsync(IManagerStore store, int last, CancellationToken cancel)
    {
        var alerts = await store.ListAlertsAsync(last, cancel);
        var events = (await store.ListAlertEventsAsync(int.MaxValue, cancel)).ToLookup(e => e.AlertKey, StringComparer.Ordinal);
        return [.. alerts.Select(a =>
        {
            var of = events[a.Key].ToDictionary(e => e.Kind, StringComparer.Ordinal);
            return new AlertView(
                a.At.ToDateTimeOffset(), a.Severity, a.Class, a.Message, a.Key,
                of.TryGetValue(AlertDispatcher.Mailed, out var mailed) && !of.ContainsKey(AlertDispatcher.Unsent) ? mailed.By : null,
                of.TryGetValue(AlertDispatcher.Unsent, out var unsent) ? unsent.Detail : null,
                of.TryGetValue(AlertDispatcher.Acknowledged, out var ack) ? ack.By : null);
        })];
    }
}
