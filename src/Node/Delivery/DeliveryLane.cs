using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// Mail for one domain goes on connections of its lane: what the sender asked of TLS decides
/// which connection may carry it, so messages that ask differently never share one.
/// </summary>
internal enum DeliveryLane
{
    Ordinary,

    /// <summary><c>TLS-Required: No</c>: connections opened without the domain's DANE and MTA-STS policies.</summary>
    TlsOptional,

    /// <summary>REQUIRETLS: connections only to hosts with verified TLS that offer REQUIRETLS, the next MX tried when one does not.</summary>
    RequireTls,
}

internal static class DeliveryLanes
{
    public static DeliveryLane Of(QueuedEnvelope envelope) =>
        envelope.RequireTls ? DeliveryLane.RequireTls : envelope.TlsOptional ? DeliveryLane.TlsOptional : DeliveryLane.Ordinary;
}
