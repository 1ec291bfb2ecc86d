namespace Gatehouse.Node.Tracking;

/// <summary>
/// Turns mail log events into the tracking index's records. A connection's own lines (its
/// ICID or DCID, before any MID) are held until a message uses the connection, then belong to
/// that message too; so each message's timeline shows how its client came in and how each
/// attempt connected, as the appliance's message tracking does. Runs on one thread only.
/// </summary>
internal sealed class MailEventCorrelator
{
    // Lines a connection keeps for its messages; more are still in the mail log.
    private const int MaxConnectionLines = 16;

    // Connections whose end was never logged (a crash) must not accumulate.
    private const int MaxConnections = 20_000;

    private readonly Dictionary<long, Connection> inbound = [];
    private readonly Dictionary<long, Connection> outbound = [];

    public void Apply(TrackingIndex index, MailEvent e)
    {
        var mid = e.Number("Mid");
        var icid = e.Number("Icid");
        var dcid = e.Number("Dcid");
        if (mid is null)
        {
            if (icid is { } i)
            {
                Connected(inbound, i, e, opened: 100, tls: 115, closed: [104, 105]);
            }
            else if (dcid is { } d)
            {
                Connected(outbound, d, e, opened: 200, tls: 206, closed: [205]);
            }

            return;
        }

        var m = mid.Value;
        switch (e.Kind)
        {
            case 120 when icid is { } i:
                var client = inbound.GetValueOrDefault(i);
                index.StartMessage(m, e.At, i, client?.Listener ?? "", client?.Name ?? "", client?.Peer ?? "", client?.Tls ?? "", bounceOf: 0);
                foreach (var (at, line) in client?.Lines ?? [])
                {
                    index.AddEvent(m, at, line);
                }

                break;
            case 217:
                index.StartMessage(m, e.At, 0, "", "", "", "", e.Number("Original") ?? 0);
                break;
            case 210 when dcid is { } d:
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
            case 121:
                index.SetSender(m, e.Text("Sender") ?? "");
                break;
            case 122:
                index.AddRecipient(m, e.Text("Recipient") ?? "");
                break;
            case 127:
                index.SetSize(m, e.Number("Size") ?? 0);
                break;
            case 128:
                index.SetState(m, "queued");
                break;
            case 129 or 130 or 131 or 132 or 133 or 140 or 142:
                index.SetState(m, "not accepted");
                break;
            case 134:
                index.SetMessageId(m, Logging.MailLog.Escape(Unquoted(e.Text("MessageId"))));
                break;
            case 135:
                index.SetSubject(m, Logging.MailLog.Escape(Unquoted(e.Text("Subject"))));
                break;
            case 211 when dcid is { } d:
                index.EndAttempt(m, d, e.At, "delivered", null);
                break;
            case 212:
                index.SetResponse(m, e.Text("Response") ?? "");
                break;
            case 213:
                index.EndAttempt(m, dcid ?? 0, e.At, "bounced", $"{e.Text("Status")} {e.Text("Reason")}");
                index.SetState(m, "bounced");
                break;
            case 214:
                index.EndAttempt(m, dcid ?? 0, e.At, "delayed", $"{e.Text("Status")} {e.Text("Reason")}");
                index.SetState(m, "delayed");
                break;
            case 215:
                index.SetState(m, e.Text("Outcome") == "done" ? "delivered" : "bounced");
                break;
            case 223:
                index.SetState(m, "deleted");
                break;
        }
    }

    private static void Connected(Dictionary<long, Connection> connections, long id, MailEvent e, int opened, int tls, int[] closed)
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

        if (e.Kind == MailEvent.ListenerKind)
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
