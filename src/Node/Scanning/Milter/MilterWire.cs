using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Gatehouse.Node.Scanning.Milter;

/// <summary>One packet of a milter conversation: its command or reply letter and its data.</summary>
internal readonly record struct MilterPacket(byte Code, byte[] Data)
{
    /// <summary>
    /// The data as NUL-terminated strings: header text in Latin-1 (the bytes as they came, to be
    /// written back as they came), addresses in UTF-8.
    /// </summary>
    public string[] Strings(Encoding encoding, int from = 0)
    {
        var text = encoding.GetString(Data, from, Data.Length - from);
        return text.EndsWith('\0') ? text[..^1].Split('\0') : text.Split('\0');
    }
}

/// <summary>
/// The milter protocol's framing: each packet is its length (4 bytes, network order, counting
/// the letter), a letter and its data. Packets are gathered and sent together before each wait
/// for an answer; what the milter sends is bounded, so a broken or hostile one cannot make the
/// node hold more than <see cref="MaxPacketBytes"/> for it.
/// </summary>
internal sealed class MilterWire(Stream stream)
{
    /// <summary>A body chunk is at most 64 KiB (less one) unless the MTA offers more, which the node does not.</summary>
    public const int MaxPacketBytes = 64 * 1024;
    public const int BodyChunkBytes = 65535;
    private readonly ArrayBufferWriter<byte> pending = new(4096);

    public void Queue(byte code, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length + 1);
        head[4] = code;
        pending.Write(head);
        pending.Write(data);
    }

    /// <summary>Queues a packet whose data is NUL-terminated strings.</summary>
    public void Queue(byte code, Encoding encoding, params string[] strings) => Queue(code, Terminated(encoding, strings));

    public async Task FlushAsync(CancellationToken cancel)
    {
        if (pending.WrittenCount > 0)
        {
            await stream.WriteAsync(pending.WrittenMemory, cancel);
            pending.ResetWrittenCount();
        }
    }

    /// <summary>Sends what is queued and reads the next packet.</summary>
    public async Task<MilterPacket> ReadAsync(CancellationToken cancel)
    {
        await FlushAsync(cancel);
        var head = new byte[4];
        await stream.ReadExactlyAsync(head, cancel);
        var length = BinaryPrimitives.ReadUInt32BigEndian(head);
        if (length is < 1 or > MaxPacketBytes + 1)
        {
            throw new IOException($"the milter sent a packet of {length} bytes");
        }

        var packet = new byte[length];
        await stream.ReadExactlyAsync(packet, cancel);
        return new MilterPacket(packet[0], packet[1..]);
    }

    /// <summary>
    /// Strings as the protocol carries them, each ended by a NUL. A NUL inside one (a client
    /// certificate's subject can hold one) is dropped: it would end the string early and make the
    /// rest a macro name or value of the client's choosing.
    /// </summary>
    public static byte[] Terminated(Encoding encoding, params string[] strings)
    {
        var bytes = new List<byte>();
        foreach (var text in strings)
        {
            bytes.AddRange(encoding.GetBytes(text.Replace("\0", "", StringComparison.Ordinal)));
            bytes.Add(0);
        }

        return [.. bytes];
    }
}
