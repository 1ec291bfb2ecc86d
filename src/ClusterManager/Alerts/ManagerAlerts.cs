using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Alerts;

/// <summary>The alerts the manager raised, as the API, CLI and GUI show them, and their acknowledgement.</summary>
internal sealed class ManagerAlerts(IManagerStore store, AuditLog audit, TimeProvider time)
{
    /// <summary>The newest <paramref name="last"/> alerts, oldest first, each with what became of it.</summary>
    public async Task<List<AlertView>> ListAsync(int last, CancellationToken cancel)
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
                of.TryGetValue(AlertDispatcher.Acknowledged, out var ack) ? ack.By : null,
                ClusterSightings.SeenBy(events[a.Key]));
        })];
    }

    /// <summary>Acknowledges the alert (in the audit log); false when it already was.</summary>
    public async Task<bool> AcknowledgeAsync(string key, string actor, CancellationToken cancel)
    {
        var alert = (await store.ListAlertsAsync(int.MaxValue, cancel)).FirstOrDefault(a => a.Key == key)
            ?? throw new ChangeRejectedException("no alert has that key (see gatehouse-manager alerts)");
        var acknowledged = await store.TryAddAlertEventAsync(new AlertEvent
        {
            AlertKey = alert.Key,
            Kind = AlertDispatcher.Acknowledged,
            At = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            By = actor,
        }, cancel);
        if (acknowledged)
        {
            await audit.RecordAsync(actor, "alert acknowledge", $"{alert.Key}: {alert.Message}", cancel);
        }

        return acknowledged;
    }
}
