using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Node.Scanning.Milter;

/// <summary>
/// The MTA side of Sendmail's milter protocol, version 6, as Postfix speaks it, once per message
/// after its data is stored: negotiation, then connect, HELO, MAIL FROM, each RCPT TO, DATA,
/// each header field (but the node's own Received line, as Postfix hides its own), end of
/// headers, the body in 64 KiB chunks and end of message, each with the macros of its stage;
/// events the milter declines are not sent and those it does not answer are not waited for. A
/// refusal at any event refuses the message (a recipient refused by the milter refuses the
/// message: its data is in). The changes it asks for at the end are collected for the session
/// (<see cref="MessageChanges"/>), quarantine among them (the message is held in the queue).
/// </summary>
internal sealed class MilterClient
{
    private const uint Version = 6;
    private const MilterActions Offered = MilterActions.AddHeaders | MilterActions.ReplaceBody | MilterActions.AddRecipients
        | MilterActions.DeleteRecipients | MilterActions.ChangeHeaders | MilterActions.Quarantine | MilterActions.ChangeSender | MilterActions.SetMacros;

    // Every event may be declined or left unanswered; SKIP and leading spaces are understood. Rejected recipients are not sent (there are none: the data is in).
    private const MilterEvents OfferedEvents = (MilterEvents)0x3FF | MilterEvents.Skip | MilterEvents.NoConnectReply | MilterEvents.NoHeloReply
        | MilterEvents.NoMailReply | MilterEvents.NoRecipientReply | MilterEvents.NoDataReply | MilterEvents.NoUnknownReply
        | MilterEvents.NoEndOfHeadersReply | MilterEvents.NoBodyReply | MilterEvents.HeaderLeadingSpace;

    private readonly MilterWire wire;
    private readonly MilterEvents events;
    private readonly MilterActions actions;
    private readonly MilterMacros macros;
    private readonly long maxBodyBytes;
    private readonly CancellationToken cancel;
    private string sent = "negotiation";

    private MilterClient(MilterWire wire, MilterEvents events, MilterActions actions, MilterMacros macros, long maxBodyBytes, CancellationToken cancel) =>
        (this.wire, this.events, this.actions, this.macros, this.maxBodyBytes, this.cancel) = (wire, events, actions, macros, maxBodyBytes, cancel);

    // Where a conversation stopped early: the reply letter and the event it answered.
    private sealed record Stop(byte Code, MilterReply? Reply);

    /// <param name="maxBodyBytes">The most a replaced body may hold (the scanner's message limit).</param>
    public static async Task<MilterVerdict> ScanAsync(string host, int port, MilterEnvelope envelope, string version, string messagePath, long maxBodyBytes, CancellationToken cancel)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(host, port, cancel);
        await using var stream = tcp.GetStream();
        var wire = new MilterWire(stream);
        var offer = new byte[12];
        BinaryPrimitives.WriteUInt32BigEndian(offer, Version);
        BinaryPrimitives.WriteUInt32BigEndian(offer.AsSpan(4), (uint)Offered);
        BinaryPrimitives.WriteUInt32BigEndian(offer.AsSpan(8), (uint)OfferedEvents);
        wire.Queue(MilterCommand.Negotiate, offer);
        MilterPacket answer;
        try
        {
            answer = await wire.ReadAsync(cancel);
        }
        catch (EndOfStreamException)
        {
            // libmilter closes without a word when the milter needs an action the MTA does not offer.
            throw new IOException("the milter closed the connection at negotiation (does it need a change the node does not offer, such as adding recipients with arguments?)");
        }

        if (answer.Code != MilterCommand.Negotiate || answer.Data.Length < 12)
        {
            throw new IOException($"the milter answered negotiation with '{(char)answer.Code}'");
        }

        var version6 = BinaryPrimitives.ReadUInt32BigEndian(answer.Data);
        var actions = (MilterActions)BinaryPrimitives.ReadUInt32BigEndian(answer.Data.AsSpan(4));
        var events = (MilterEvents)BinaryPrimitives.ReadUInt32BigEndian(answer.Data.AsSpan(8));
        if (version6 is < 2 or > Version)
        {
            throw new IOException($"the milter speaks protocol version {version6}; the node speaks 2 to 6");
        }

        if ((actions & ~Offered) != 0)
        {
            throw new IOException($"the milter asks to make changes the node does not offer ({actions & ~Offered})");
        }

        if ((events & ~OfferedEvents) != 0)
        {
            throw new IOException($"the milter asks for protocol steps the node does not offer (0x{(uint)(events & ~OfferedEvents):x})");
        }

        var client = new MilterClient(wire, events, actions, new MilterMacros(envelope, version, RequestedMacros(answer.Data.AsSpan(12))), maxBodyBytes, cancel);
        MilterVerdict verdict;
        try
        {
            verdict = await client.RunAsync(envelope, messagePath);
        }
        catch (EndOfStreamException)
        {
            throw new IOException($"the milter closed the connection after {client.sent}");
        }

        wire.Queue(MilterCommand.Quit, []);
        await wire.FlushAsync(cancel);
        return verdict;
    }

    // After the three numbers, a v6 milter may name the macros it wants per stage: (stage, "names\0")*.
    private static Dictionary<MilterStage, string[]> RequestedMacros(ReadOnlySpan<byte> rest)
    {
        var requested = new Dictionary<MilterStage, string[]>();
        while (rest.Length > 4)
        {
            var stage = BinaryPrimitives.ReadUInt32BigEndian(rest);
            var end = rest[4..].IndexOf((byte)0);
            var list = Encoding.ASCII.GetString(end < 0 ? rest[4..] : rest[4..(4 + end)]);
            if (stage <= (uint)MilterStage.EndOfHeaders)
            {
                requested[(MilterStage)stage] = MilterMacros.Parse(list);
            }

            rest = end < 0 ? [] : rest[(5 + end)..];
        }

        return requested;
    }

    private async Task<MilterVerdict> RunAsync(MilterEnvelope envelope, string messagePath)
    {
        var scan = envelope.Scan;
        var changes = new MessageChanges();
        var address = IPAddress.TryParse(scan.ClientAddress, out var ip) ? ip : IPAddress.None;
        var connect = new List<byte>(MilterWire.Terminated(Encoding.ASCII, scan.ReverseName ?? $"[{scan.ClientAddress}]"));
        connect.Add((byte)(address.AddressFamily == AddressFamily.InterNetworkV6 ? '6' : '4'));
        connect.Add((byte)(envelope.ClientPort >> 8));
        connect.Add((byte)envelope.ClientPort);
        connect.AddRange(MilterWire.Terminated(Encoding.ASCII, address.AddressFamily == AddressFamily.InterNetworkV6 ? $"IPv6:{address}" : address.ToString()));
        if (await EventAsync(MilterCommand.Connect, MilterStage.Connect, MilterEvents.NoConnect, MilterEvents.NoConnectReply, [.. connect]) is { } atConnect)
        {
            return Stopped(atConnect, "connect", changes);
        }

        if (await EventAsync(MilterCommand.Helo, MilterStage.Helo, MilterEvents.NoHelo, MilterEvents.NoHeloReply, MilterWire.Terminated(Encoding.UTF8, scan.Helo)) is { } atHelo)
        {
            return Stopped(atHelo, "HELO", changes);
        }

        if (await EventAsync(MilterCommand.Mail, MilterStage.Mail, MilterEvents.NoMail, MilterEvents.NoMailReply, MilterWire.Terminated(Encoding.UTF8, $"<{scan.MailFrom}>")) is { } atMail)
        {
            return Stopped(atMail, "MAIL FROM", changes);
        }

        foreach (var recipient in scan.Recipients)
        {
            if (await EventAsync(MilterCommand.Recipient, MilterStage.Recipient, MilterEvents.NoRecipient, MilterEvents.NoRecipientReply, MilterWire.Terminated(Encoding.UTF8, $"<{recipient}>"), recipient) is { } refused)
            {
                return Stopped(refused, "RCPT TO", changes);
            }
        }

        if (await EventAsync(MilterCommand.Data, MilterStage.Data, MilterEvents.NoData, MilterEvents.NoDataReply, []) is { } atData)
        {
            return Stopped(atData, "DATA", changes);
        }

        await using var message = new FileStream(messagePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024);
        var section = HeaderSection.Read(message);
        foreach (var field in section.Fields.Skip(1))
        {
            var value = field.Value;
            value = (events & MilterEvents.HeaderLeadingSpace) == 0 && value.StartsWith(' ') ? value[1..] : value;
            if (await EventAsync(MilterCommand.Header, null, MilterEvents.NoHeaders, MilterEvents.NoHeaderReply, MilterWire.Terminated(Encoding.Latin1, field.Name, value)) is { } atHeader)
            {
                return Stopped(atHeader, "a header", changes);
            }
        }

        if (await EventAsync(MilterCommand.EndOfHeaders, MilterStage.EndOfHeaders, MilterEvents.NoEndOfHeaders, MilterEvents.NoEndOfHeadersReply, []) is { } atEndOfHeaders)
        {
            return Stopped(atEndOfHeaders, "the end of headers", changes);
        }

        if (await BodyAsync(message, section) is { } atBody)
        {
            return Stopped(atBody, "the body", changes);
        }

        Queue(MilterStage.EndOfMessage, MilterCommand.EndOfBody);
        wire.Queue(MilterCommand.EndOfBody, []);
        return await EndOfMessageAsync(changes);
    }

    // The body as stored (CRLF lines), until its end or the milter says SKIP.
    private async Task<Stop?> BodyAsync(FileStream message, HeaderSection section)
    {
        if ((events & MilterEvents.NoBody) != 0)
        {
            return null;
        }

        message.Position = section.BodyOffset;
        var chunk = new byte[MilterWire.BodyChunkBytes];
        int read;
        while ((read = await message.ReadAtLeastAsync(chunk, chunk.Length, throwOnEndOfStream: false, cancel)) > 0)
        {
            wire.Queue(MilterCommand.Body, chunk.AsSpan(0, read));
            if ((events & MilterEvents.NoBodyReply) == 0 && await AnswerAsync() is { } stop)
            {
                return stop.Code == MilterReplyCode.Skip ? null : stop;
            }
        }

        return null;
    }

    // Changes, then the final word.
    private async Task<MilterVerdict> EndOfMessageAsync(MessageChanges changes)
    {
        while (true)
        {
            var packet = await wire.ReadAsync(cancel);
            switch (packet.Code)
            {
                case MilterReplyCode.AddHeader or MilterReplyCode.InsertHeader or MilterReplyCode.ChangeHeader:
                    changes.Headers.Add(HeaderChangeOf(packet));
                    break;
                case MilterReplyCode.ReplaceBody:
                    Allowed(MilterActions.ReplaceBody, "replace the body");
                    changes.Body ??= new MemoryStream();
                    if (changes.Body.Length + packet.Data.Length > maxBodyBytes)
                    {
                        throw new IOException($"the milter's new body is larger than {maxBodyBytes} bytes");
                    }

                    changes.Body.Write(packet.Data);
                    break;
                case MilterReplyCode.AddRecipient:
                    Allowed(MilterActions.AddRecipients, "add a recipient");
                    changes.AddedRecipients.Add(Address(packet, recipient: true));
                    break;
                case MilterReplyCode.DeleteRecipient:
                    Allowed(MilterActions.DeleteRecipients, "delete a recipient");
                    changes.RemovedRecipients.Add(Address(packet, recipient: true));
                    break;
                case MilterReplyCode.ChangeSender:
                    Allowed(MilterActions.ChangeSender, "change the sender");
                    changes.Sender = Address(packet, recipient: false);
                    break;
                case MilterReplyCode.Quarantine:
                    Allowed(MilterActions.Quarantine, "quarantine the message");
                    changes.Quarantine = MilterReply.Printable(packet.Strings(Encoding.UTF8).FirstOrDefault() ?? "") is { Length: > 0 } reason ? reason : "quarantined by a milter";
                    break;
                case MilterReplyCode.Progress:
                    break;
                default:
                    var stop = Final(packet);
                    return Stopped(stop, "the end of the message", changes);
            }
        }
    }

    private HeaderChange HeaderChangeOf(MilterPacket packet)
    {
        var kind = packet.Code switch
        {
            MilterReplyCode.AddHeader => HeaderChangeKind.Add,
            MilterReplyCode.InsertHeader => HeaderChangeKind.Insert,
            _ => HeaderChangeKind.Change,
        };
        Allowed(kind == HeaderChangeKind.Change ? MilterActions.ChangeHeaders : MilterActions.AddHeaders, "change a header");
        var indexed = kind != HeaderChangeKind.Add;
        if (indexed && packet.Data.Length < 4)
        {
            throw new IOException("the milter's header change has no index");
        }

        var index = indexed ? (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(packet.Data), int.MaxValue) : 0;
        var strings = packet.Strings(Encoding.Latin1, indexed ? 4 : 0);
        if (strings.Length < 2 || !HeaderSection.IsName(strings[0]))
        {
            throw new IOException("the milter asked for a header without a valid name");
        }

        // Without the leading-space extension the value comes without the space after the colon.
        var value = (events & MilterEvents.HeaderLeadingSpace) == 0 && strings[1].Length > 0 ? " " + strings[1] : strings[1];
        return new HeaderChange(kind, index, strings[0], value);
    }

    private void Allowed(MilterActions action, string what)
    {
        if ((actions & action) == 0)
        {
            throw new IOException($"the milter asked to {what} without saying so at negotiation");
        }
    }

    // An address as a milter gives it, with or without angle brackets: one line, bounded.
    private static string Address(MilterPacket packet, bool recipient)
    {
        var text = packet.Strings(Encoding.UTF8).FirstOrDefault() ?? "";
        var address = text.StartsWith('<') && text.EndsWith('>') ? text[1..^1] : text;
        if (address.Length > 320 || address.Any(c => char.IsControl(c) || c is ' ' or '<' or '>') || (recipient && !address.Contains('@', StringComparison.Ordinal)))
        {
            throw new IOException("the milter gave an address that is not one");
        }

        return address;
    }

    // Sends one event with its stage's macros, unless the milter declined it; waits for its answer unless it said it gives none.
    private async Task<Stop?> EventAsync(byte command, MilterStage? stage, MilterEvents declined, MilterEvents unanswered, byte[] data, string? recipient = null)
    {
        if ((events & declined) != 0)
        {
            return null;
        }

        if (stage is { } macroStage)
        {
            Queue(macroStage, command, recipient);
        }

        wire.Queue(command, data);
        sent = $"'{(char)command}'";
        return (events & unanswered) != 0 ? null : await AnswerAsync();
    }

    private void Queue(MilterStage stage, byte command, string? recipient = null)
    {
        var pairs = macros.For(stage, recipient);
        if (pairs.Length > 0)
        {
            wire.Queue(MilterCommand.Macro, [command, .. MilterWire.Terminated(Encoding.UTF8, pairs)]);
        }
    }

    // Continue is null: the conversation goes on.
    private async Task<Stop?> AnswerAsync()
    {
        while (true)
        {
            var packet = await wire.ReadAsync(cancel);
            if (packet.Code == MilterReplyCode.Progress)
            {
                continue;
            }

            return packet.Code == MilterReplyCode.Continue ? null
                : packet.Code == MilterReplyCode.Skip ? new Stop(packet.Code, null)
                : Final(packet);
        }
    }

    private static Stop Final(MilterPacket packet) => packet.Code switch
    {
        MilterReplyCode.Continue or MilterReplyCode.Accept or MilterReplyCode.Discard => new Stop(packet.Code, null),
        MilterReplyCode.Reject => new Stop(packet.Code, MilterReply.Rejected),
        MilterReplyCode.TemporaryFailure => new Stop(packet.Code, MilterReply.TemporaryFailure),
        MilterReplyCode.Shutdown or MilterReplyCode.ConnectionFailure => new Stop(packet.Code, MilterReply.Shutdown),
        MilterReplyCode.ReplyCode => new Stop(packet.Code, MilterReply.Parse(Encoding.Latin1.GetString(packet.Data))),
        _ => throw new IOException($"the milter answered with '{Printable(packet.Code)}', which is not a reply"),
    };

    private static MilterVerdict Stopped(Stop stop, string at, MessageChanges changes) => stop.Code switch
    {
        MilterReplyCode.Continue => new MilterVerdict(MilterEnd.Continued, at, null, changes),
        MilterReplyCode.Accept => new MilterVerdict(MilterEnd.Accepted, at, null, changes),
        MilterReplyCode.Discard => new MilterVerdict(MilterEnd.Discarded, at, null, changes),
        _ => new MilterVerdict(MilterEnd.Refused, at, stop.Reply ?? throw new IOException($"the milter answered SKIP at {at}"), changes),
    };

    private static string Printable(byte code) => code is > 32 and < 127 ? ((char)code).ToString() : $"0x{code:x2}";
}
