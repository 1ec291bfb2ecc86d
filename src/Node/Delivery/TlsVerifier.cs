using DnsClient;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Dns;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Model;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// The appliance's <c>tlsverify</c>: what this node would do for mail to a domain right now —
/// the destination control in force, the next hops, and one connection attempt made exactly as
/// delivery makes it (same hops, same TLS mode, same checks), reported with the mail log's own
/// lines. The connection ends with QUIT; nothing is sent.
/// </summary>
internal sealed class TlsVerifier(CurrentConfig config, OutboundConnector connector, DnsClients dns, MailLog log, TlsPolicyExplainer explainer)
{
    /// <summary>How long one verification may take; what is known by then is reported.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(40);

    public async Task<TlsVerifyReport> RunAsync(string domain, CancellationToken stopping)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        limit.CancelAfter(Limit);
        var cancel = limit.Token;
        var snapshot = config.Snapshot ?? throw new InvalidOperationException("no configuration applied yet");
        var control = snapshot.DestinationControl(domain);
        var report = new TlsVerifyReport
        {
            Domain = domain,
            DestinationControl = control.Domain,
            TlsMode = OutboundTlsPolicy.Name(control.Tls),
        };
        try
        {
            var explained = await explainer.ExplainAsync(snapshot, domain, cancel);
            report.PolicySources.AddRange(explained.Sources);
            report.DecidedBy = explained.DecidedBy;
            report.NextDeliveryRequires = explained.Requires;
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            report.PolicySources.Add($"the policy sources could not all be looked up within {Limit.TotalSeconds:F0} s");
        }
        try
        {
            var hops = await NextHops.ResolveAsync(domain, snapshot.Config, dns.Current(), cancel);
            report.NextHops.AddRange(hops.Select(h => $"{h.Host}:{h.Port} ({h.Source})"));
        }
        catch (DnsResponseException e)
        {
            report.Verdict = $"DNS lookup for {domain} failed: {e.Message}";
            return report;
        }

        log.TlsVerify(domain, control.Domain, report.TlsMode);
        OutboundSession? session;
        ConnectFailure? failure;
        using (log.Transcribe(out var transcript))
        {
            try
            {
                (session, failure) = await connector.ConnectAsync(snapshot, domain, control, cancel);
            }
            catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
            {
                (session, failure) = (null, new ConnectFailure($"no connection within {Limit.TotalSeconds:F0} s", false, false));
            }

            if (session is not null)
            {
                await session.DisposeAsync();
            }

            lock (transcript)
            {
                report.Transcript.AddRange(transcript);
            }
        }

        report.WouldDeliver = session is not null;
        report.Verdict = failure is null
            ? $"mail for {domain} would be delivered under TLS mode {report.TlsMode}"
            : $"mail for {domain} would not be delivered now: {failure.Reason}";
        return report;
    }
}
