using Gatehouse.Cluster.V1;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// What REQUIRETLS (RFC 8689) asks of each delivery of a message that carries it: TLS to the
/// next hop verified under a policy the node trusts — DANE, MTA-STS <c>enforce</c> or a destination
/// control in Required (Verify), as <see cref="TlsDecision"/> decided — and a server that offers
/// REQUIRETLS itself, so the request travels on with the message. A host that fails either is
/// passed over for the next MX; when none can, the message bounces, never goes in clear:
/// <c>5.7.10</c> for the first, <c>5.7.30</c> for the second.
/// </summary>
internal static class RequireTlsPolicy
{
    /// <summary>Why no connection for the domain can carry the message, known before any is opened; null when one might.</summary>
    public static string? Unmet(QueuedEnvelope envelope, string domain, DestinationControl control) =>
        !envelope.RequireTls || control.Tls == OutboundTls.RequiredVerify || control.MtaSts == MtaSts.On || control.Dane != Dane.Off ? null
        : $"550 5.7.10 REQUIRETLS: no verified TLS policy for {domain}: its destination control is {OutboundTlsPolicy.Name(control.Tls)} without DANE or MTA-STS";

    /// <summary>Why this connection cannot carry the message; null when it can (or the message did not ask).</summary>
    public static string? Unmet(QueuedEnvelope envelope, OutboundSession session) => envelope.RequireTls ? Unmet(session) : null;

    /// <summary>Why this connection cannot carry REQUIRETLS mail; null when it can.</summary>
    public static string? Unmet(OutboundSession session) =>
        !session.Tls.Verified ? $"550 5.7.10 REQUIRETLS: TLS to {session.Hop.Host} is not verified under {session.Tls.Source} ({OutboundTlsPolicy.Name(session.Tls.Mode)})"
        : !session.OffersRequireTls ? $"550 5.7.30 REQUIRETLS support required: {session.Hop.Host} does not offer REQUIRETLS"
        : null;
}
