using Gatehouse.Cluster.V1;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// What REQUIRETLS (RFC 8689) asks of each delivery of a message that carries it: TLS to the
/// next hop verified under a policy the node trusts — a destination control in Required
/// (Verify) — and a server that offers REQUIRETLS itself, so the request travels on with the
/// message. Either unmet is a bounce, never a delivery in clear: <c>5.7.10</c> for the first,
/// <c>5.7.30</c> for the second.
/// </summary>
internal static class RequireTlsPolicy
{
    /// <summary>Why the destination's policy cannot carry the message; null when it can (or the message did not ask).</summary>
    public static string? Unmet(QueuedEnvelope envelope, string domain, OutboundTls mode) =>
        !envelope.RequireTls || mode == OutboundTls.RequiredVerify ? null
        : $"550 5.7.10 REQUIRETLS: no verified TLS policy for {domain}: its destination control is {OutboundTlsPolicy.Name(mode)}, REQUIRETLS needs Required (Verify)";

    /// <summary>Why this connection cannot carry the message; null when it can (or the message did not ask).</summary>
    public static string? Unmet(QueuedEnvelope envelope, OutboundSession session) =>
        !envelope.RequireTls || session.OffersRequireTls ? null
        : $"550 5.7.30 REQUIRETLS support required: {session.Hop.Host} does not offer REQUIRETLS";
}
