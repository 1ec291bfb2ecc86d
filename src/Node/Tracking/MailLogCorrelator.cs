using Gatehouse.Node.Logging;

namespace Gatehouse.Node.Tracking;

/// <summary>
/// Turns mail log events into the tracking index's records. A connection's own lines (its
/// ICID or DCID, before any MID) are held until a message uses the connection, then belong to
/// that message too; so each message's timeline shows how its client came in and how each
/// attempt connected, as the appliance's message tracking does. Runs on one thread only.
/// </summary>
internal sealed class MailLogCorrelator
{
    // Lines a connection keeps for its messages; more are still in the mail log.
    private const int MaxConnectionLines = 16;

    // Connections whose end was never logged (a crash) must not accumulate.
    private const int MaxConnections = 20_000;

    private readonly Dictionary<long, Connection> inbound = [];
    private readonly Dictionary<long, Connection> outbound = [];

    public void Apply(TrackingIndex index, MailLogEvent e)
    {
        var mid = e.Number("Mid");
        var icid = e.Number("Icid");
        var dcid = e.Number("Dcid");
        if (mid is null)
        {
            if (icid is { } i)
            {
                Connected(inbound, i, e, opened: MailLogLine.NewConnection, tls: MailLogLine.InboundTlsSucceeded, closed: [MailLogLine.ConnectionClosed, MailLogLine.ConnectionLost]);
            }
            else if (dcid is { } d)
            {
                Connected(outbound, d, e, opened: MailLogLine.NewDeliveryConnection, tls: MailLogLine.DeliveryTlsSucceeded, closed: [MailLogLine.DeliveryConnectionClosed]);
            }

            return;
        }

        var m = mid.Value;
        switch (e.Kind)
        {
            case MailLogLine.MessageStarted when icid is { } i:
                var client = inbound.GetValueOrDefault(i);
                index.StartMessage(m, e.At, i, client?.Listener ?? "", client?.Name ?? "", client?.Peer ?? "", client?.Tls ?? "", bounceOf: 0);
                foreach (var (at, line) in client?.Lines ?? [])
                {
                    index.AddEvent(m, at, line);
                }

                break;
            case MailLogLine.BounceGenerated:
                index.StartMessage(m, e.At, 0, "", "", "", "", e.Number("Original") ?? 0);
                break;
            case MailLogLine.DeliveryStart when dcid is { } d:
                var server = outbound.GetValueOrDefault(d);
                foreach (var (at, line) in server?.Lines ?? [])
                {
                    index.AddEvent(m, at, line);
                }

                index.StartAttempt(m, d, e.At, server?.Peer ?? "", server?.Tls ?? "");
                break;
        }

        index.AddEvent(m, e.At, e.Line);
        switch (e.Kind)
        {
            case MailLogLine.Sender:
                index.SetSender(m, e.Text("Sender") ?? "");
                break;
            case MailLogLine.Recipient:
                index.AddRecipient(m, e.Text("Recipient") ?? "");
                break;
            case MailLogLine.MessageReady:
                index.SetSize(m, e.Number("Size") ?? 0);
                break;
            case MailLogLine.QueuedForDelivery:
                index.SetState(m, "queued");
                break;
            case MailLogLine.QueueCannotStore or MailLogLine.MessageTooLarge or MailLogLine.MailLoop or MailLogLine.BareLineEnding or MailLogLine.MessageAborted or MailLogLine.UrlFilteringUnavailableDeferred or MailLogLine.UrlRejected:
                index.SetState(m, "not accepted");
                break;
            case MailLogLine.MessageIdLine:
                index.SetMessageId(m, MailLog.Escape(Unquoted(e.Text("MessageId"))));
                break;
            case MailLogLine.SubjectLine:
                index.SetSubject(m, MailLog.Escape(Unquoted(e.Text("Subject"))));
                break;
            case MailLogLine.MessageDone when dcid is { } d:
                index.EndAttempt(m, d, e.At, "delivered", null);
                break;
            case MailLogLine.RecipientResponse:
                index.SetResponse(m, e.Text("Response") ?? "");
                break;
            case MailLogLine.Bounced:
                index.EndAttempt(m, dcid ?? 0, e.At, "bounced", $"{e.Text("Status")} {e.Text("Reason")}");
                index.SetState(m, "bounced");
                break;
            case MailLogLine.Delayed:
                index.EndAttempt(m, dcid ?? 0, e.At, "delayed", $"{e.Text("Status")} {e.Text("Reason")}");
                index.SetState(m, "delayed");
                break;
            case MailLogLine.MessageFinished:
                index.SetState(m, e.Text("Outcome") == "done" ? "delivered" : "bounced");
                break;
            case MailLogLine.DeletedByAdministrator:
                index.SetState(m, "deleted");
                break;
        }
    }

    private static void Connected(Dictionary<long, Connection> connections, long id, MailLogEvent e, MailLogLine opened, MailLogLine tls, MailLogLine[] closed)
    {
        if (e.Kind == opened)
        {
            if (connections.Count >= MaxConnections)
            {
                connections.Clear();
            }

            connections[id] = new Connection(e.Text("InterfaceName") ?? "", $"{e.Text("Address")}{(e.Number("Port") is { } port ? $":{port}" : "")}");
        }

        if (!connections.TryGetValue(id, out var connection))
        {
            return;
        }

        if (closed.Contains(e.Kind))
        {
            connections.Remove(id);
            return;
        }

        if (e.Kind == MailLogLine.ConnectionListener)
        {
            connection.Listener = e.Text("Listener") ?? "";
            return;
        }

        if (e.Kind == tls)
        {
            connection.Tls = $"{e.Text("Protocol")} {e.Text("Cipher")}";
        }

        if (connection.Lines.Count < MaxConnectionLines)
        {
            connection.Lines.Add((e.At, e.Line));
        }
    }

    // The mail log quotes header values as the appliance does; the index keeps them as they were.
    private static string Unquoted(string? text)
    {
        var plain = new System.Text.StringBuilder(text?.Length ?? 0);
        for (var i = 0; i < (text?.Length ?? 0); i++)
        {
            plain.Append(text![i] == '\\' && i + 1 < text.Length ? text[++i] : text[i]);
        }

        return plain.ToString();
    }

    private sealed class Connection(string name, string peer)
    {
        public string Name { get; } = name;

        public string Peer { get; } = peer;

        public string Tls { get; set; } = "";

        public string Listener { get; set; } = "";

        public List<(DateTimeOffset At, string Line)> Lines { get; } = [];
    }
}
