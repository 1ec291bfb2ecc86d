using Gatehouse.Cluster.MtaSts;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Delivery.DomainPolicies;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// The TLS one delivery must have, decided here and nowhere else, in this order: the MX host's
/// DNSSEC-signed TLSA records (DANE) → a policy the receiving domain publishes and enforces
/// (MTA-STS <c>enforce</c>) → the administrator's destination control. REQUIRETLS on a message
/// is then checked against the decision (<see cref="RequireTlsPolicy"/>): it needs one that
/// verifies the server. A control with <c>override_published_policy</c> keeps its own TLS mode
/// over DANE and MTA-STS, and the decision says which published policy it set aside.
/// </summary>
internal sealed record TlsDecision(OutboundTls Mode, string Source, MtaStsPolicy? MtaSts = null, IReadOnlyList<Tlsa>? Dane = null)
{
    /// <summary>The published policy the administrator's control set aside, for the mail log; null when none was.</summary>
    public string? Overridden { get; init; }

    private bool OverridesPublished { get; init; }

    /// <summary>An MTA-STS policy in <c>enforce</c> mode decides: only the MX hosts it names, TLS verified for each.</summary>
    public bool Enforced => MtaSts is { Mode: MtaStsMode.Enforce };

    /// <summary>TLS required and the server's certificate verified: what REQUIRETLS can travel over.</summary>
    public bool Verified => Mode == OutboundTls.RequiredVerify;

    public static TlsDecision Decide(DestinationControl control, MtaStsLookup? published)
    {
        var own = new TlsDecision(control.Tls, $"destination control {control.Domain}") { OverridesPublished = control.OverridePublishedPolicy };
        return published?.Policy switch
        {
            { Mode: MtaStsMode.Enforce } when control.OverridePublishedPolicy => own with { Overridden = "MTA-STS enforce" },
            { Mode: MtaStsMode.Enforce } enforced => new TlsDecision(OutboundTls.RequiredVerify, "MTA-STS enforce", enforced),
            var other => own with { MtaSts = other },
        };
    }

    /// <summary>
    /// For one MX host: usable signed TLSA records require TLS authenticated by them; signed
    /// records none of which is usable still require TLS, encrypted without authentication
    /// (RFC 7672 §2.2); none leaves the decision as it was.
    /// </summary>
    public TlsDecision ForHost(DaneHost host) =>
        OverridesPublished && host.Secure && host.Records.Count > 0 ? this with { Overridden = "DANE" }
        : host.Usable.Count > 0 ? new TlsDecision(OutboundTls.RequiredVerify, "DANE", Dane: host.Usable)
        : host.Secure && host.Records.Count > 0 ? new TlsDecision(OutboundTls.Required, "DANE without usable TLSA records")
        : this;

    /// <summary>Whether a next hop may be used at all: an enforced MTA-STS policy names the MX hosts it allows.</summary>
    public bool Allows(NextHop hop) => !Enforced || MtaSts!.Allows(hop.Host);

    /// <summary>Names the server's certificate may carry: under MTA-STS the MX host's own (RFC 8461 §4.2), else also the recipient domain.</summary>
    public IReadOnlyList<string> AcceptableNames(string domain, NextHop hop) => Enforced ? [hop.Host] : [domain, hop.Host];
}
