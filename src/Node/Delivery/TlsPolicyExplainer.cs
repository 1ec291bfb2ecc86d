using Gatehouse.Cluster.V1;
using Gatehouse.Node.Delivery.DomainPolicies;
using Gatehouse.Node.Dns;
using Gatehouse.Node.Model;

namespace Gatehouse.Node.Delivery;

/// <summary>Each TLS policy source found for a domain, which one decides and what the next delivery requires.</summary>
internal sealed record TlsPolicyExplanation(IReadOnlyList<string> Sources, string DecidedBy, string Requires);

/// <summary>
/// <c>tlsverify --explain</c>: the policy sources for a domain in their order of precedence —
/// REQUIRETLS, DANE (DNSSEC status, TLSA records), MTA-STS (the policy and its age), the
/// destination control — looked up as delivery looks them up, and the decision
/// <see cref="TlsDecision"/> makes of them for the first next hop.
/// </summary>
internal sealed class TlsPolicyExplainer(DnsClients dns, MtaStsResolver mtaSts, DaneLookup dane, TimeProvider time)
{
    public async Task<TlsPolicyExplanation> ExplainAsync(NodeSnapshot snapshot, string domain, CancellationToken cancel)
    {
        var control = snapshot.DestinationControl(domain);
        var sources = new List<string>
        {
            "REQUIRETLS: a message that asks for it goes only over TLS verified by DANE, MTA-STS enforce or Required (Verify), to a server that offers REQUIRETLS; otherwise it bounces (5.7.10, 5.7.30)",
        };
        IReadOnlyList<NextHop> hops = [];
        try
        {
            hops = await NextHops.ResolveAsync(domain, snapshot.Config, dns.Current(), cancel);
        }
        catch (DnsClient.DnsResponseException e)
        {
            sources.Add($"next hops: the MX lookup failed ({e.Message}), so no published policy could be looked up");
        }

        var byMx = hops.Count > 0 && hops.All(h => h.Source is NextHopSource.Mx or NextHopSource.ImplicitMx);

        DaneHost? firstHost = null;
        if (control.Dane == Dane.Off)
        {
            sources.Add($"DANE: off in destination control {control.Domain}");
        }
        else if (!byMx)
        {
            sources.Add("DANE: not applied, the mail does not go by MX records");
        }
        else if (!await dane.SecureMxAsync(domain, cancel))
        {
            sources.Add($"DANE: the MX records of {domain} are not DNSSEC-validated (no AD bit from the DNS servers){(control.Dane == Dane.Mandatory ? "; DANE is mandatory, so mail is held" : "")}");
        }
        else
        {
            foreach (var hop in hops)
            {
                var host = await dane.HostAsync(hop.Host, hop.Port, cancel);
                firstHost ??= host;
                sources.Add($"DANE: {hop.Host}: " + (host.Problem ?? (host.Records.Count == 0 ? "no signed TLSA records"
                    : $"signed TLSA {string.Join("; ", host.Records)} ({host.Usable.Count} usable)")));
            }
        }

        MtaStsLookup? published = null;
        if (control.MtaSts != MtaSts.On)
        {
            sources.Add($"MTA-STS: off in destination control {control.Domain}");
        }
        else if (!byMx)
        {
            sources.Add("MTA-STS: not applied, the mail does not go by MX records");
        }
        else
        {
            published = await mtaSts.ResolveAsync(domain, snapshot, cancel);
            sources.Add(published.Policy is { } policy
                ? $"MTA-STS: {policy.Describe()}, fetched {Age(policy.FetchedAt)} ago, valid until {policy.ExpiresAt:u}{(published.Problem is { } p ? $"; {p}" : "")}"
                : $"MTA-STS: no policy{(published.Problem is { } problem ? $" ({problem})" : " published")}");
        }

        sources.Add($"destination control {control.Domain}: TLS {OutboundTlsPolicy.Name(control.Tls)}{(control.OverridePublishedPolicy ? ", overriding published policies" : "")}");
        var decision = TlsDecision.Decide(control, published);
        decision = firstHost is null ? decision : decision.ForHost(firstHost);
        return new TlsPolicyExplanation(
            sources,
            decision.Source + (decision.Overridden is { } overridden ? $" (the administrator overrides {overridden})" : ""),
            Requires(decision));
    }

    private static string Requires(TlsDecision decision) => decision switch
    {
        { Dane: not null } => "TLS, the server authenticated by its TLSA records; never clear text",
        { Enforced: true } => "TLS to an MX host the policy names, its certificate verified for that host; never clear text",
        { Mode: OutboundTls.RequiredVerify } => "TLS, the certificate verified; never clear text",
        { Mode: OutboundTls.Required } => "TLS, the certificate not checked; never clear text",
        { Mode: OutboundTls.PreferredVerify } => "TLS when offered, the certificate checked and a failure logged; clear text otherwise",
        { Mode: OutboundTls.Preferred } => "TLS when offered, the certificate not checked; clear text otherwise",
        _ => "clear text",
    };

    private string Age(DateTimeOffset fetched)
    {
        var age = time.GetUtcNow() - fetched;
        return age.TotalHours >= 1 ? $"{age.TotalHours:0} h" : $"{Math.Max(0, age.TotalMinutes):0} min";
    }
}
