using Gatehouse.Cluster.V1;
using Gatehouse.Node.Authentication.Spf;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Queue;
using Gatehouse.Node.Smtp.Commands;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// One inbound SMTP session: the command loop over the state table, the mail flow policy
/// of the sender, STARTTLS, and the transaction up to the durable <c>250</c>.
/// </summary>
internal sealed partial class SmtpSession(SessionContext context, SmtpTransport transport)
{
    private readonly List<string> recipients = [];
    private int badCommands;
    private bool closed;
    private bool lost;
    private bool tlsRequested;
    private bool reportedTlsRequired;

    // The session's timers, from RunAsync on.
    private ReadDeadline? deadline;

    public SessionContext Context => context;

    public SmtpTransport Transport => transport;

    public MailFlowPolicy Policy => context.Access.Policy;

    public string HostName => context.HostName;

    public SmtpState State { get; private set; } = SmtpState.Connected;

    public string Helo { get; private set; } = "";

    public bool Extended { get; private set; }

    public bool IsTls => transport.Tls is not null;

    public bool OffersStartTls => !IsTls && context.Certificate is not null && Policy.Tls is InboundTls.Preferred or InboundTls.Required;

    public long? Mid { get; private set; }

    public string MailFrom { get; private set; } = "";

    /// <summary>The SPF result of the transaction, when the policy checks SPF.</summary>
    public SpfOutcome? Spf { get; private set; }

    /// <summary>The open transaction's MAIL FROM carried REQUIRETLS.</summary>
    public bool RequireTls { get; private set; }

    public IReadOnlyList<string> Recipients => recipients;

    public int MessagesAccepted { get; private set; }

    /// <summary>Runs the session under its timers; <see cref="ReadDeadline.End"/> ends it from outside.</summary>
    public async Task RunAsync(ReadDeadline session)
    {
        deadline = session;
        var rejecting = Policy.Behavior == PolicyBehavior.Reject;
        transport.Queue(rejecting
            ? new SmtpReply(SmtpCode.TransactionFailed, "", Policy.RejectBanner.Length > 0 ? Policy.RejectBanner : $"{HostName} Access denied").Format(false)
            : new SmtpReply(SmtpCode.ServiceReady, "", $"{HostName} ESMTP Gatehouse").Format(false));
        try
        {
            while (!closed)
            {
                var line = await transport.ReadLineAsync(session);
                if (line.EndOfStream)
                {
                    Lost();
                    break;
                }

                var reply = line.Fault switch
                {
                    LineFault.None => await ExecuteAsync(line.Text!, rejecting, session.Token),
                    LineFault.BareLineFeed => Bad(SmtpReply.BareLineFeed),
                    LineFault.ControlCharacter => Bad(SmtpReply.ControlCharacter),
                    _ => Bad(SmtpReply.LineTooLong),
                };
                transport.Queue(reply.Format(Extended));
                if (line.Fault == LineFault.Unbounded)
                {
                    context.Log.CommandLineTooLong(context.Icid, SmtpLimits.MaxBufferedLine);
                    break;
                }

                if (badCommands >= context.Limits.MaxBadCommands)
                {
                    transport.Queue(SmtpReply.TooManyErrors.Format(Extended));
                    context.Log.TooManyErrors(context.Icid);
                    break;
                }

                if (refusedRecipients >= context.Limits.MaxRefusedRecipients)
                {
                    transport.Queue(SmtpReply.TooManyErrors.Format(Extended));
                    context.Log.TooManyRefusedRecipients(context.Icid, refusedRecipients);
                    context.Metrics.Refused(context.Listener.Name, RefusalReason.TooManyRefused);
                    break;
                }

                if (tlsRequested)
                {
                    tlsRequested = false;
                    if (!await UpgradeAsync(session.Token))
                    {
                        return;
                    }
                }
            }

            await transport.FlushAsync(session.Token);
        }
        catch (SmtpTimeoutException e)
        {
            context.Log.ReceivingTimeout(context.Icid, e.Message);
            await SendLastAsync(SmtpReply.Timeout);
        }
        catch (OperationCanceledException) when (session.Ended)
        {
            if (Mid is { } mid)
            {
                context.Log.ListenerStoppingMidTransaction(context.Icid, mid);
            }
            else
            {
                context.Log.ListenerStopping(context.Icid);
            }

            await SendLastAsync(SmtpReply.ShuttingDown);
        }
        catch (OperationCanceledException) when (!session.Ended)
        {
            context.Log.SessionTooLong(context.Icid, (long)context.Limits.Session.TotalSeconds);
            await SendLastAsync(SmtpReply.Timeout);
        }
        catch (IOException)
        {
            Lost();
        }
        finally
        {
            AbortTransaction();
        }
    }

    public void Greet(string helo, bool extended)
    {
        AbortTransaction();
        Helo = helo;
        Extended = extended;
        State = SmtpState.Greeted;
    }

    public void ResetTransaction()
    {
        AbortTransaction();
        if (State != SmtpState.Connected)
        {
            State = SmtpState.Greeted;
        }
    }

    public void Close() => closed = true;

    // The client went away without QUIT; said once, however many reads and writes notice it.
    private void Lost()
    {
        if (!lost)
        {
            lost = true;
            closed = true;
            context.Log.ConnectionLost(context.Icid);
        }
    }

    public void RequestTls() => tlsRequested = true;

    public void BeginTransaction(string from, bool requireTls, SpfOutcome? spf = null)
    {
        Mid = context.Spool.Mids.Next();
        MailFrom = from;
        RequireTls = requireTls;
        Spf = spf;
        State = SmtpState.Mail;
        context.Log.MessageStarted(Mid.Value, context.Icid);
        context.Log.Sender(Mid.Value, context.Icid, from);
        if (spf is not null)
        {
            context.Log.SpfChecked(Mid.Value, spf.Name, Logging.MailLog.Escape(spf.Reason));
        }

        if (requireTls)
        {
            context.Log.RequireTlsRequested(Mid.Value, context.Icid);
        }
    }

    public void AddRecipient(string recipient)
    {
        context.Log.Recipient(Mid!.Value, context.Icid, recipients.Count, recipient);
        recipients.Add(recipient);
        State = SmtpState.Recipient;
    }

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
                return await RefuseStoredAsync(data, mid, refusal);
            }

            var authenticated = await MessageAuthentication.DecideAsync(this, mid, urls.Headers, cancel);
            if (authenticated.Refusal is { } authenticationRefusal)
            {
                return await RefuseStoredAsync(data, mid, authenticationRefusal);
            }

            var added = authenticated.Added;

            try
            {
                await context.Spool.CommitAsync(data, Envelope(mid, result.Size, received) with
                {
                    AddedHeaders = added,
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
            context.Log.QueuedForDelivery(mid);
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

    // A message refused after its data was stored (a URL verdict, DMARC): nothing of it stays.
    private async Task<SmtpReply> RefuseStoredAsync(FileStream data, long mid, SmtpReply refusal)
    {
        await DiscardAsync(data, mid);
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

    private async Task<SmtpReply> ExecuteAsync(string line, bool rejecting, CancellationToken cancel)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var verb = space < 0 ? line : line[..space];
        var arguments = space < 0 ? "" : line[(space + 1)..].Trim();
        var command = CommandTable.Find(verb);
        if (command is null)
        {
            return Bad(SmtpReply.Unrecognized);
        }

        if (rejecting && command is not QuitCommand)
        {
            return Bad(SmtpReply.BadSequence);
        }

        if (Policy.Tls == InboundTls.Required && !IsTls && !command.AllowedBeforeTls)
        {
            if (!reportedTlsRequired)
            {
                reportedTlsRequired = true;
                context.Log.InboundTlsNotStarted(context.Icid);
                context.Metrics.Refused(context.Listener.Name, RefusalReason.TlsRequired);
            }

            return SmtpReply.MustStartTls;
        }

        if ((command.AllowedIn & State) == 0)
        {
            return Bad(SmtpReply.BadSequence);
        }

        return await command.ExecuteAsync(this, arguments, cancel);
    }

    private QueuedEnvelope Envelope(long mid, long size, DateTimeOffset received) => new()
    {
        Mid = mid,
        Icid = context.Icid,
        Listener = context.Listener.Name,
        ClientAddress = context.Remote.Address.ToString(),
        Helo = Helo,
        MailFrom = MailFrom,
        RequireTls = RequireTls,
        Recipients = [.. recipients],
        ReceivedAt = received,
        Size = size,
        Tls = transport.TlsDescription ?? "",
    };

    private void AbortTransaction()
    {
        Mid = null;
        MailFrom = "";
        Spf = null;
        RequireTls = false;
        recipients.Clear();
    }

    private SmtpReply Bad(SmtpReply reply)
    {
        badCommands++;
        return reply;
    }

    // A parting reply to a client that may no longer read: a short wait, then give up. Its
    // enhanced code goes out even before EHLO: the client learns why it is being dropped.
    private async Task SendLastAsync(SmtpReply reply)
    {
        try
        {
            transport.Queue(reply.Format(enhanced: true));
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await transport.FlushAsync(limit.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
