using System.Buffers.Binary;
using System.Text.Json;

namespace Gatehouse.Harness;

/// <summary>
/// A node's queue read from outside, as an admin's script would: <c>MID.msg</c> holds the
/// message, then its envelope (JSON), then a 28-byte footer (the envelope's length, 32-bit
/// little-endian, the spool's key from <c>.spool-key</c>, and <c>GHENV01\n</c>). A file
/// without that footer is not a queued message.
/// </summary>
public static class QueueFiles
{
    public static JsonDocument? Envelope(string queue, string mid)
    {
        var path = Path.Combine(queue, $"{mid}.msg");
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        var key = File.ReadAllBytes(Path.Combine(queue, ".spool-key"));
        if (bytes.Length < 28 || !bytes.AsSpan(bytes.Length - 8).SequenceEqual("GHENV01\n"u8) || !bytes.AsSpan(bytes.Length - 24, 16).SequenceEqual(key))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(bytes.Length - 28));
        return JsonDocument.Parse(bytes.AsMemory(bytes.Length - 28 - length, length));
    }

    /// <summary>Whether the message is queued whole (its envelope written after its data).</summary>
    public static bool Holds(string queue, string mid)
    {
        using var envelope = Envelope(queue, mid);
        return envelope is not null;
    }
}
