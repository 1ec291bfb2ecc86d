using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Model;

/// <summary>
/// The destination control for a recipient domain (OUT-2): its own entry, else the entry of
/// the closest parent written as <c>.domain</c>, else the <c>default</c> entry. Limits left
/// at 0 take the default entry's value, and the built-in one where that is 0 too (a default
/// entry that sets only the TLS mode must not stop all mail).
/// </summary>
internal static class DestinationPolicy
{
    private static readonly DestinationControl BuiltIn = new()
    {
        Domain = "default",
        Tls = OutboundTls.None,
        MaxConcurrentConnections = 500,
        MaxMessagesPerConnection = 50,
        MaxRecipientsPerMessage = 100,
        IdleConnectionSeconds = 2,
        MtaSts = MtaSts.Off,
        Dane = Dane.Off,
    };

    public static DestinationControl For(LevelConfig config, string domain)
    {
        var fallback = config.DestinationControls.FirstOrDefault(d => d.Domain == "default") ?? BuiltIn;
        var entry = Model.DomainMatch.Find(config.DestinationControls, d => d.Domain, domain) ?? fallback;
        var resolved = entry.Clone();
        resolved.MaxConcurrentConnections = Or(entry.MaxConcurrentConnections, Or(fallback.MaxConcurrentConnections, BuiltIn.MaxConcurrentConnections));
        resolved.MaxMessagesPerConnection = Or(entry.MaxMessagesPerConnection, Or(fallback.MaxMessagesPerConnection, BuiltIn.MaxMessagesPerConnection));
        resolved.MaxRecipientsPerMessage = Or(entry.MaxRecipientsPerMessage, Or(fallback.MaxRecipientsPerMessage, BuiltIn.MaxRecipientsPerMessage));
        resolved.IdleConnectionSeconds = Or(entry.IdleConnectionSeconds, Or(fallback.IdleConnectionSeconds, BuiltIn.IdleConnectionSeconds));
        resolved.MtaSts = entry.MtaSts != MtaSts.Unspecified ? entry.MtaSts : fallback.MtaSts != MtaSts.Unspecified ? fallback.MtaSts : BuiltIn.MtaSts;
        resolved.TlsPolicy = entry.TlsPolicy.Length > 0 ? entry.TlsPolicy : fallback.TlsPolicy;
        resolved.Dane = entry.Dane != Dane.Unspecified ? entry.Dane : fallback.Dane != Dane.Unspecified ? fallback.Dane : BuiltIn.Dane;
        return resolved;
    }

    private static uint Or(uint value, uint fallback) => value > 0 ? value : fallback;
}
