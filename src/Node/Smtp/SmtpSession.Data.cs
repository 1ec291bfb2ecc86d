using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Smtp;

/// <summary>DATA: the message streamed to the spool, checked, committed before the 250, or refused with nothing left of it.</summary>
internal sealed partial class SmtpSession
{
    /// <summary>Receives DATA into the spool; the message is on disk before this returns 250 (IN-6).</summary>
    public async Task<SmtpReply> ReceiveMessageAsync(CancellationToken cancel)
    {
        var mid = Mid!.Value;
        transport.Queue(new SmtpReply(SmtpCode.StartMailInput, "", "End data with <CR><LF>.<CR><LF>").Format(false));
        var received = context.Time.GetLocalNow();
        var header = ReceivedHeader.Format(Helo, context.Reverse.Host, context.Remote.Address.ToString(), HostName, Extended,
            transport.TlsDescription, mid, recipients.Count == 1 ? recipients[0] : null, received);
        var data = context.Spool.CreateData(mid);
        try
        {
            await data.WriteAsync(System.Text.Encoding.ASCII.GetBytes(header), cancel);
            var result = await transport.ReadDataAsync(data, (long)Policy.MaxMessageSizeBytes, deadline!);
            if (result.Outcome != DataOutcome.Complete)
            {
                await DiscardAsync(data, mid);
                return Refused(result, mid);
            }

            // Synchronously: an asynchronous file write only hops to a pool thread to make it.
            data.Flush();
            var urls = await UrlFilter.DecideAsync(context, mid, context.Spool.DataPath(mid), cancel);
            if (urls.Refusal is { } refusal)
            {
                return await DropStoredAsync(data, mid, result, refusal);
            }

            var checks = await MessageAuthentication.CheckAsync(this, mid, cancel);
            if (checks.Refusal is { } authenticationRefusal)
            {
                return await DropStoredAsync(data, mid, result, authenticationRefusal);
            }

            var stored = data.Length;
            var scanned = await ContentScan.DecideAsync(this, mid, data, cancel);
            if (scanned.Refusal is { } scanRefusal)
            {
                return await DropStoredAsync(data, mid, result, scanRefusal);
            }

            if (scanned.Discard || scanned.Recipients.Count == 0)
            {
                // A milter's discard, or its deleting every recipient: the client hears the message was taken.
                context.Log.ContentScanDiscarded(mid, scanned.Discard ? "a content scanner discarded it" : "no recipient left after the content scanners");
                return await DropStoredAsync(data, mid, result, new SmtpReply(SmtpCode.Ok, "2.0.0", $"Ok: queued as {mid}"));
            }

            var added = MessageAuthentication.Sign(this, mid, checks, [.. urls.Headers, .. scanned.Added], scanned.Removed, cancel);

            try
            {
                // A milter may have made the message longer or shorter.
                await context.Spool.CommitAsync(data, Envelope(mid, result.Size + data.Length - stored, received) with
                {
                    MailFrom = scanned.Sender,
                    Quarantine = scanned.Quarantine ?? "",
                    Recipients = scanned.Recipients,
                    AddedHeaders = added,
                    RemovedHeaders = scanned.Removed,
                    AuthenticationServiceId = Policy.Verify is { Dkim: true } or { Spf: true } or { Arc: true } ? HostName : "",
                    // REQUIRETLS on MAIL FROM wins over the header (RFC 8689 §4.1).
                    TlsOptional = result.Headers.TlsRequiredNo && !RequireTls,
                }, cancel);
            }
            catch (IOException e)
            {
                await DiscardAsync(data, mid);
                return Refused(new DataResult(DataOutcome.StorageFailed, result.Size, e.Message), mid);
            }

            await data.DisposeAsync();
            MessagesAccepted++;
            context.Log.MessageHeaders(mid, result.Headers);
            if (result.Headers.TlsRequiredNo && !RequireTls)
            {
                context.Log.TlsRequiredNo(mid);
            }

            context.Log.MessageReady(mid, result.Size, MailFrom);
            if (scanned.Quarantine is { } quarantine)
            {
                context.Log.MessageQuarantined(mid, Logging.MailLog.Escape(quarantine));
            }
            else
            {
                context.Log.QueuedForDelivery(mid);
            }

            context.Metrics.MessageAccepted(context.Listener.Name);
            AbortTransaction();
            State = SmtpState.Greeted;
            return new SmtpReply(SmtpCode.Ok, "2.0.0", $"Ok: queued as {mid}");
        }
        catch
        {
            await DiscardAsync(data, mid);
            throw;
        }
    }

    // A message refused or discarded after its data was stored (a URL verdict, DMARC, a scanner): nothing of it stays
    // but its Subject and Message-ID in the mail log, by which tracking finds it.
    private async Task<SmtpReply> DropStoredAsync(FileStream data, long mid, DataResult result, SmtpReply refusal)
    {
        await DiscardAsync(data, mid);
        context.Log.MessageHeaders(mid, result.Headers);
        AbortTransaction();
        State = SmtpState.Greeted;
        return refusal;
    }

    // The partial data file goes at once: its space is what a full disk lacks.
    private async Task DiscardAsync(FileStream data, long mid)
    {
        try
        {
            await data.DisposeAsync();
        }
        catch (IOException)
        {
            // Flushing the rest failed too; the file is deleted all the same.
        }

        context.Spool.Discard(mid);
    }

    private SmtpReply Refused(DataResult result, long mid)
    {
        AbortTransaction();
        State = SmtpState.Greeted;
        switch (result.Outcome)
        {
            case DataOutcome.StorageFailed:
                context.Log.QueueCannotStore(mid, context.Icid, result.StorageError ?? "");
                return new SmtpReply(SmtpCode.LocalError, "4.3.0", "Error: local error in processing; try again later");
            case DataOutcome.TooLarge:
                context.Log.MessageTooLarge(mid, context.Icid, Policy.MaxMessageSizeBytes);
                return new SmtpReply(SmtpCode.ExceededStorage, "5.3.4", "Message size exceeds fixed limit");
            case DataOutcome.TooManyHops:
                context.Log.MailLoop(mid, context.Icid, SmtpLimits.MaxReceivedHeaders);
                return new SmtpReply(SmtpCode.TransactionFailed, "5.4.6", "Too many hops; a mail loop?");
            case DataOutcome.BareLineEnding:
                context.Log.BareLineEnding(mid, context.Icid);
                return new SmtpReply(SmtpCode.TransactionFailed, "5.6.11", "Message refused: bare CR or LF in message data; lines must end with CRLF");
            default:
                Close();
                context.Log.MessageAborted(mid);
                Lost();
                return new SmtpReply(SmtpCode.ServiceNotAvailable, "4.4.2", "Connection lost during DATA");
        }
    }
}
