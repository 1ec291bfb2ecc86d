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
