using System.Net.Sockets;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Queue;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// One open connection to a receiving server, already past EHLO and STARTTLS as the
/// destination's TLS mode asked. Sends messages one transaction at a time and reports, per
/// recipient, delivered, bounced (<c>5xx</c>) or deferred (<c>4xx</c>, lost connection).
/// </summary>
internal sealed class OutboundSession(OutboundClient client, Socket socket, long dcid, NextHop hop, MailLog log, TlsDecision tls) : IAsyncDisposable
{
    /// <summary>The TLS this connection was opened under, and why.</summary>
    public TlsDecision Tls => tls;

    public long Dcid => dcid;

    public NextHop Hop => hop;

    public bool Usable => client.IsConnected;

    public bool OffersRequireTls => client.Capabilities.HasFlag(SmtpCapabilities.RequireTLS);

    public async Task<TransactionOutcome> SendAsync(QueuedEnvelope envelope, IReadOnlyList<int> rids, Func<Stream> openData, CancellationToken cancel)
    {
        client.RefusedRecipients.Clear();
        log.DeliveryStart(dcid, envelope.Mid, MailLog.Rids(rids));
        try
        {
            await using var stream = openData();
            using var message = SpooledMessage.Load(stream, cancel);
            if (envelope.AuthenticationServiceId.Length > 0)
            {
                foreach (var claimed in message.Headers.Where(h => Authentication.AuthenticationResultsHeader.ClaimsToBe(h, envelope.AuthenticationServiceId)).ToList())
                {
                    message.Headers.Remove(claimed);
                }
            }

            foreach (var field in envelope.RemovedHeaders)
            {
                message.Headers.RemoveAll(field);
            }

            foreach (var line in envelope.AddedHeaders.Reverse())
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                message.Headers.Insert(Math.Min(1, message.Headers.Count), new Header(line[..colon], line[(colon + 1)..].Trim()));
            }

            var recipients = rids.Select(r => new MailboxAddress("", envelope.Recipients[r])).ToList();
            // MAIL FROM carries REQUIRETLS on: the next hop keeps the promise for the rest of the way.
            client.RequireTLS = envelope.RequireTls;
            var response = await client.SendAsync(message, new MailboxAddress("", envelope.MailFrom), recipients, cancel);
            return Refusals(envelope, rids, accepted: true) with { Response = MailLog.Escape(response ?? "").Trim() };
        }
        catch (SmtpCommandException e) when (e.ErrorCode == SmtpErrorCode.MessageNotAccepted && client.RefusedRecipients.Count == rids.Count)
        {
            return Refusals(envelope, rids, accepted: false);
        }
        catch (SmtpCommandException e)
        {
            var reason = TransactionOutcome.Describe(e.StatusCode, e.Message);
            return (int)e.StatusCode >= 500 ? TransactionOutcome.AllBounced(rids, reason) : TransactionOutcome.AllDeferred(rids, reason);
        }
        catch (ServiceNotAuthenticatedException e)
        {
            // MailKit's name for "530": e.g. "Must issue a STARTTLS command first" from a server that demands TLS.
            return TransactionOutcome.AllBounced(rids, TransactionOutcome.Describe(SmtpStatusCode.AuthenticationRequired, e.Message));
        }
        catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException
            || (e is OperationCanceledException && !cancel.IsCancellationRequested))
        {
            return TransactionOutcome.AllDeferred(rids, $"connection lost: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever else went wrong, the message stays queued and the connection is given up.
            client.Dispose();
            return TransactionOutcome.AllDeferred(rids, $"delivery failed: {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>
    /// After a wait: whether the server kept the connection. A server says nothing unasked, so
    /// anything to read (its FIN, a reset, a <c>421</c> before it closes) means it is gone; asked
    /// of the socket, not of the server, so a message handed to a waiting connection costs no
    /// round trip.
    /// </summary>
    public bool StillOpen()
    {
        bool open;
        try
        {
            open = client.IsConnected && !socket.Poll(0, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            open = false;
        }

        if (!open)
        {
            log.CachedConnectionClosed(dcid);
        }

        return open;
    }

    public async ValueTask DisposeAsync()
    {
        if (client.IsConnected)
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await client.DisconnectAsync(quit: true, limit.Token);
            }
            catch (Exception e) when (e is IOException or SocketException or SmtpProtocolException or SmtpCommandException or OperationCanceledException)
            {
                // The messages are settled; a failed QUIT changes nothing.
            }
        }

        client.Dispose();
        log.DeliveryConnectionClosed(dcid);
    }

    private TransactionOutcome Refusals(QueuedEnvelope envelope, IReadOnlyList<int> rids, bool accepted)
    {
        var delivered = new List<int>();
        var bounced = new List<RecipientFailure>();
        var deferred = new List<RecipientFailure>();
        foreach (var rid in rids)
        {
            if (client.RefusedRecipients.TryGetValue(envelope.Recipients[rid], out var refusal))
            {
                var reason = TransactionOutcome.Describe(refusal.StatusCode, refusal.Response);
                ((int)refusal.StatusCode >= 500 ? bounced : deferred).Add(new RecipientFailure(rid, reason));
            }
            else if (accepted)
            {
                delivered.Add(rid);
            }
        }

        return new TransactionOutcome(delivered, bounced, deferred);
    }
}
