using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Alerts;

/// <summary>An alert of the class all the manager's alerts are in (the appliance's System).</summary>
internal static class SystemAlert
{
    public static AlertRecord Create(string key, DateTimeOffset now, string severity, string message) => new()
    {
        Key = key,
        At = Timestamp.FromDateTimeOffset(now),
        Severity = severity,
        Class = "System",
        Message = message,
    };
}
