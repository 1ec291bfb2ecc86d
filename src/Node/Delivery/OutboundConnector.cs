using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using DnsClient;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Tls;
using Gatehouse.Node.Delivery.DomainPolicies;
using Gatehouse.Node.Delivery.Reporting;
using Gatehouse.Node.Dns;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Model;
using Gatehouse.Node.Queue;
using Gatehouse.Node.Tls;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Gatehouse.Node.Delivery;

/// <summary>Why no connection to a destination could be used.</summary>
internal sealed record ConnectFailure(string Reason, bool Permanent, bool RequiredTlsFailed);

/// <summary>
/// Opens a connection for a destination domain (OUT-1, OUT-3): each next host in order and
/// each of its addresses, until one answers and its TLS is what the destination control's
/// mode demands. A failed STARTTLS in a preferred mode falls back to clear text only when it
/// failed before the server's <c>220</c>; a required mode never falls back.
/// </summary>
internal sealed class OutboundConnector(DnsClients dns, MailLog log, NodeMetrics metrics, IdAllocator dcids, MtaStsResolver mtaSts, DaneLookup dane, TlsSessionRecorder sessions)
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(30);

    /// <param name="lane">
    /// <c>TlsOptional</c>: the domain's DANE and MTA-STS are not looked up (DANE the administrator made mandatory still is).
    /// <c>RequireTls</c>: a control's <c>override_published_policy</c> does not weaken them, and a host whose TLS is not
    /// verified or that does not offer REQUIRETLS is passed over for the next; when every host that answered was, the failure is permanent.
    /// </param>
    public async Task<(OutboundSession? Session, ConnectFailure? Failure)> ConnectAsync(
        NodeSnapshot snapshot, string domain, DestinationControl control, CancellationToken cancel, DeliveryLane lane = DeliveryLane.Ordinary)
    {
        IReadOnlyList<NextHop> hops;
        try
        {
            hops = await NextHops.ResolveAsync(domain, snapshot.Config, dns.Current(), cancel);
        }
        catch (DnsResponseException e)
        {
            return (null, new ConnectFailure($"DNS lookup for {domain} failed: {e.Message}", Permanent: false, RequiredTlsFailed: false));
        }

        if (hops.Count == 0)
        {
            return (null, new ConnectFailure($"550 5.1.2 no mail exchanger for {domain}: no MX, A or AAAA record, or a null MX", Permanent: true, RequiredTlsFailed: false));
        }

        // DANE and MTA-STS speak of MX hosts: mail the administrator routes goes where the route says.
        var byMx = hops.All(h => h.Source is NextHopSource.Mx or NextHopSource.ImplicitMx);
        if (lane == DeliveryLane.TlsOptional)
        {
            control = control.Clone();
            control.MtaSts = MtaSts.Off;
            control.Dane = control.Dane == Dane.Mandatory ? Dane.Mandatory : Dane.Off;
        }
        else if (lane == DeliveryLane.RequireTls && control.OverridePublishedPolicy)
        {
            // The sender's REQUIRETLS comes before the administrator's override (the precedence).
            control = control.Clone();
            control.OverridePublishedPolicy = false;
        }

        var daneOn = byMx && control.Dane != Dane.Off && await dane.SecureMxAsync(domain, cancel);
        if (control.Dane == Dane.Mandatory && !daneOn)
        {
            return (null, new ConnectFailure($"DANE is mandatory for {domain} but its MX records are not DNSSEC-validated", Permanent: false, RequiredTlsFailed: true));
        }

        var published = control.MtaSts == MtaSts.On && byMx
            ? await mtaSts.ResolveAsync(domain, snapshot, cancel)
            : null;
        var decision = TlsDecision.Decide(control, published);
        if (decision.Enforced && decision.MtaSts!.Learned && !hops.Any(decision.Allows))
        {
            // A policy another node shared that turns away every MX host is checked at its source
            // before mail waits on it: a broken-into node cannot stop a domain's mail this way.
            published = await mtaSts.ResolveAsync(domain, snapshot, cancel, fetchOwn: true);
            decision = TlsDecision.Decide(control, published);
        }

        if (decision.MtaSts is { } policy && !daneOn)
        {
            var allowed = hops.Where(decision.Allows).Select(h => h.Host).ToList();
            log.MtaStsApplied(domain, policy.Mode.ToString().ToLowerInvariant(), decision.Enforced
                ? $"TLS required and verified for {(allowed.Count == 0 ? "none" : string.Join(", ", allowed))} of MX {string.Join(", ", hops.Select(h => h.Host))}"
                : $"not enforced; {decision.Source} applies ({OutboundTlsPolicy.Name(decision.Mode)})");
            if (allowed.Count == 0 && decision.Enforced)
            {
                return (null, new ConnectFailure($"MTA-STS policy of {domain} allows none of its MX hosts ({string.Join(", ", hops.Select(h => h.Host))})", Permanent: false, RequiredTlsFailed: true));
            }
        }

        var offer = control.TlsPolicy.Length == 0 ? null : TlsPolicies.Offer(snapshot.Config.TlsPolicies, control.TlsPolicy);
        ConnectFailure? last = null;
        ConnectFailure? requireTlsRefused = null;
        var tlsFailed = false;
        foreach (var hop in hops)
        {
            var (forHost, refused) = daneOn ? await DaneForAsync(control, decision, hop, cancel) : (decision, null);
            if (refused is not null)
            {
                sessions.Failure(TlsSessionRecorder.PolicyOf(domain, forHost, hop), TlsSessionRecorder.ResultType(forHost, refused.Reason), null, hop.Host, null);
            }

            if (refused is not null || !forHost.Allows(hop))
            {
                last = refused ?? last;
                tlsFailed |= refused is not null;
                continue;
            }

            foreach (var address in await AddressesAsync(hop, cancel))
            {
                var (session, failure, fallBackToClear) = await OpenAsync(snapshot, domain, hop, address, forHost, offer, cancel);
                if (fallBackToClear)
                {
                    (session, failure, _) = await OpenAsync(snapshot, domain, hop, address, forHost with { Mode = OutboundTls.None }, offer, cancel);
                }

                if (session is not null && lane == DeliveryLane.RequireTls && RequireTlsPolicy.Unmet(session) is { } unmet)
                {
                    // This host cannot carry REQUIRETLS mail; another MX may.
                    log.RequireTlsHostPassedOver(session.Dcid, unmet);
                    await session.DisposeAsync();
                    requireTlsRefused = new ConnectFailure(unmet, Permanent: true, RequiredTlsFailed: false);
                    break;
                }

                if (session is not null)
                {
                    return (session, null);
                }

                last = failure;
                tlsFailed |= failure!.RequiredTlsFailed;
            }
        }

        if (requireTlsRefused is not null && last is null)
        {
            return (null, requireTlsRefused);
        }

        return (null, (last ?? new ConnectFailure($"no address for the mail hosts of {domain} ({string.Join(", ", hops.Select(h => h.Host))})", false, false))
            with { RequiredTlsFailed = tlsFailed });
    }

    /// <summary>The decision for one MX host once its TLSA records are known; a failure when the host must not be used.</summary>
    private async Task<(TlsDecision Decision, ConnectFailure? Refused)> DaneForAsync(DestinationControl control, TlsDecision decision, NextHop hop, CancellationToken cancel)
    {
        var host = await dane.HostAsync(hop.Host, hop.Port, cancel);
        if (host.Problem is { } problem)
        {
            log.DaneApplied(hop.Host, $"not used: {problem}");
            return (decision, new ConnectFailure($"{hop.Host}: {problem}", Permanent: false, RequiredTlsFailed: true));
        }

        if (control.Dane == Dane.Mandatory && host.Usable.Count == 0)
        {
            log.DaneApplied(hop.Host, "not used: DANE is mandatory and it has no usable signed TLSA record");
            return (decision, new ConnectFailure($"{hop.Host}: DANE is mandatory and it has no usable signed TLSA record", Permanent: false, RequiredTlsFailed: true));
        }

        var forHost = decision.ForHost(host);
        if (forHost != decision)
        {
            log.DaneApplied(hop.Host, forHost.Dane is { } records
                ? $"TLS required, authenticated by TLSA {string.Join("; ", records)}"
                : "TLS required; its signed TLSA records are none usable, so not authenticated");
        }

        return (forHost, null);
    }

    private async Task<IReadOnlyList<IPAddress>> AddressesAsync(NextHop hop, CancellationToken cancel)
    {
        if (IPAddress.TryParse(hop.Host, out var literal))
        {
            return [literal];
        }

        try
        {
            var client = dns.Current();
            var a = await client.QueryAsync(hop.Host, QueryType.A, cancellationToken: cancel);
            var aaaa = await client.QueryAsync(hop.Host, QueryType.AAAA, cancellationToken: cancel);
            return [.. a.Answers.ARecords().Select(r => r.Address), .. aaaa.Answers.AaaaRecords().Select(r => r.Address)];
        }
        catch (DnsResponseException)
        {
            return [];
        }
    }

    private async Task<(OutboundSession?, ConnectFailure?, bool FallBackToClear)> OpenAsync(
        NodeSnapshot snapshot, string domain, NextHop hop, IPAddress address, TlsDecision decision, TlsOffer? offer, CancellationToken cancel)
    {
        var mode = decision.Mode;
        var dcid = dcids.Next();
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var local = LocalAddress(snapshot, address);
        try
        {
            if (local is not null)
            {
                socket.Bind(new IPEndPoint(local, 0));
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            limit.CancelAfter(ConnectTimeout);
            await socket.ConnectAsync(new IPEndPoint(address, hop.Port), limit.Token);
        }
        catch (Exception e) when (e is SocketException || (e is OperationCanceledException && !cancel.IsCancellationRequested))
        {
            socket.Dispose();
            var details = e is SocketException s ? s.SocketErrorCode.ToString() : "timeout";
            log.ConnectionError(dcid, domain, address, hop.Port, details, local?.ToString() ?? "default");
            return (null, new ConnectFailure($"connection to {hop.Host} [{address}]:{hop.Port} failed: {details}", false, false), false);
        }

        log.NewDeliveryConnection(dcid, ((IPEndPoint)socket.LocalEndPoint!).Address, address, hop.Port);
        var certificate = snapshot.Certificate(snapshot.Config.DestinationGlobal?.Certificate ?? "");
        var client = new OutboundClient(new ReplyRecorder(), certificate?.Context, offer)
        {
            LocalDomain = HeloName(snapshot),
            Timeout = 60_000,
            CheckCertificateRevocation = false,
        };
        string? verification = null;
        client.ServerCertificateValidationCallback = (_, presented, chain, _) =>
        {
            if (!OutboundTlsPolicy.Verifies(mode) || presented is null)
            {
                return !OutboundTlsPolicy.Verifies(mode);
            }

            if (decision.Dane is { } records)
            {
                using var leaf = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
                verification = DaneVerification.Problem(leaf, PeerVerification.Sent(chain), records, hop.Host);
                return verification is null;
            }

            verification = PeerVerification.Problem(presented, chain, snapshot.TrustedCas, decision.AcceptableNames(domain, hop));
            return verification is null || mode == OutboundTls.PreferredVerify;
        };
        try
        {
            await client.ConnectAsync(socket, hop.Host, hop.Port, OutboundTlsPolicy.SocketOptions(mode), cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancel.IsCancellationRequested)
        {
            var failure = StartFailure.Of(e, client.Recorder, verification);
            client.Dispose();
            socket.Dispose();
            var required = OutboundTlsPolicy.Requires(mode);
            if (failure.Tls)
            {
                if (failure.Reason == StartFailure.StartTlsNotSupported)
                {
                    log.StartTlsNotSupported(dcid);
                }
                else
                {
                    log.DeliveryTlsFailed(dcid, failure.Reason);
                }

                if (failure.Response is { } response)
                {
                    log.ConnectionResponse(dcid, response);
                }

                metrics.Tls(TlsDirection.Outbound, succeeded: false, failure.BeforeStartTlsReady ? TlsOutcome.NotOffered : TlsOutcome.Handshake);
                sessions.Failure(TlsSessionRecorder.PolicyOf(domain, decision, hop), TlsSessionRecorder.ResultType(decision, failure.Reason), local, hop.Host, address);
                if (required)
                {
                    log.DeliveryTlsRequired(dcid);
                }
            }

            log.DeliveryConnectionClosed(dcid);
            var fallBack = failure.BeforeStartTlsReady && OutboundTlsPolicy.Attempts(mode) && !required;
            return (null, new ConnectFailure($"{hop.Host} [{address}]: {failure.Described}", false, required && failure.Tls), fallBack);
        }

        client.Recorder.Recording = false;
        if (client.IsSecure)
        {
            log.DeliveryTlsSucceeded(dcid, TlsProtocolName.Of(client.SslProtocol), client.SslCipherSuite.ToString() ?? "");
            metrics.Tls(TlsDirection.Outbound, succeeded: true, verification is null ? TlsOutcome.Negotiated : TlsOutcome.Unverified);
            sessions.Success(TlsSessionRecorder.PolicyOf(domain, decision, hop));
            if (verification is not null)
            {
                log.DeliveryTlsUnverified(dcid, verification);
            }
        }

        return (new OutboundSession(client, socket, dcid, hop, log, decision), null, false);
    }

    private static IPAddress? LocalAddress(NodeSnapshot snapshot, IPAddress destination) =>
        snapshot.Config.IpInterfaces
            .Select(i => IPAddress.TryParse(i.Address, out var a) ? a : null)
            .FirstOrDefault(a => a is not null && a.AddressFamily == destination.AddressFamily && !a.Equals(IPAddress.Any) && !a.Equals(IPAddress.IPv6Any)
                && IPAddress.IsLoopback(a) == IPAddress.IsLoopback(destination));

    private static string HeloName(NodeSnapshot snapshot) =>
        snapshot.Config.IpInterfaces.Select(i => i.Hostname).FirstOrDefault(h => h.Length > 0) ?? snapshot.HostName;
}

/// <summary>
/// Why setting up a connection failed, in the words an administrator searches the log for;
/// the server's answer, when there is one, apart (the mail log writes it on a line of its own).
/// </summary>
internal sealed record StartFailure(string Reason, bool Tls, bool BeforeStartTlsReady, string? Response = null)
{
    public const string StartTlsNotSupported = "STARTTLS command not supported";

    /// <summary>The reason with the server's answer, as a delayed message and an alert give it.</summary>
    public string Described => Response is null ? Reason : $"{Reason}: {Response}";

    public static StartFailure Of(Exception e, ReplyRecorder replies, string? verification) => e switch
    {
        SslHandshakeException when verification is not null => new($"certificate not verified: {verification}", true, false),
        SslHandshakeException => new($"handshake failed: {(e.InnerException ?? e).Message}", true, false),
        NotSupportedException when replies.Refused("EHLO") => new("peer does not speak ESMTP", true, true, replies.ReplyTo("EHLO")),
        NotSupportedException => new(StartTlsNotSupported, true, true),
        SmtpCommandException when replies.ReplyTo("STARTTLS") is { } reply && !reply.StartsWith("220", StringComparison.Ordinal) =>
            new("STARTTLS unexpected response", true, true, reply),
        SmtpCommandException command => new(TransactionOutcome.Describe(command.StatusCode, command.Message), false, false),
        _ => new($"connection failed: {e.Message}", false, false),
    };
}
