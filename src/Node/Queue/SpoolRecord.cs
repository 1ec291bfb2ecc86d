using System.Buffers.Binary;
using System.Text.Json;

namespace Gatehouse.Node.Queue;

/// <summary>
/// One queued message is one file, <c>queue/MID.msg</c>: the message data as received, then its
/// envelope (JSON), then a 28-byte footer — the envelope's length (32-bit little-endian), the
/// spool's key (16 random bytes in <c>queue/.spool-key</c>) and the mark <c>GHENV01\n</c>. The
/// envelope is appended when the message is accepted, so one file and one flush make it durable.
/// A file without a whole footer, or whose length does not add up, was never answered
/// <c>250</c> (cut off mid-DATA, or the machine stopped before the flush). The key is why a
/// client cannot forge a footer: data that ends like a record (sent, then the node restarted
/// before the message was refused or finished) must not become a queued message with an
/// envelope of the client's choosing.
/// </summary>
internal sealed class SpoolRecord(byte[] key)
{
    public const string KeyFile = ".spool-key";
    private const int KeyLength = 16;
    private const int FooterLength = 4 + KeyLength + 8;
    private const int MaxEnvelopeBytes = 16 * 1024 * 1024;
    private static readonly byte[] Mark = "GHENV01\n"u8.ToArray();

    /// <summary>The spool's records, its key created when the spool has none.</summary>
    public static SpoolRecord Create(string directory)
    {
        var path = Path.Combine(directory, KeyFile);
        if (!File.Exists(path))
        {
            Gatehouse.Configuration.Files.AtomicFile.Write(path, System.Security.Cryptography.RandomNumberGenerator.GetBytes(KeyLength), privateFile: true);
        }

        return ReadFrom(directory) ?? throw new IOException($"the spool key {path} is damaged");
    }

    /// <summary>The spool's records as read from outside; null when the spool has no (whole) key yet.</summary>
    public static SpoolRecord? ReadFrom(string directory)
    {
        var path = Path.Combine(directory, KeyFile);
        return File.Exists(path) && File.ReadAllBytes(path) is { Length: KeyLength } key ? new SpoolRecord(key) : null;
    }

    /// <summary>
    /// Appends the envelope and footer after the data written so far; returns the envelope as
    /// stored. Written synchronously: on Linux an asynchronous file write is the same write made
    /// on a pool thread, after a hop to it.
    /// </summary>
    public QueuedEnvelope AppendEnvelope(FileStream data, QueuedEnvelope envelope)
    {
        data.Flush();
        var committed = envelope with { DataBytes = data.Length };
        var json = JsonSerializer.SerializeToUtf8Bytes(committed, MessageSpool.Json);
        var record = new byte[json.Length + FooterLength];
        json.CopyTo(record, 0);
        BinaryPrimitives.WriteInt32LittleEndian(record.AsSpan(json.Length), json.Length);
        key.CopyTo(record, json.Length + 4);
        Mark.CopyTo(record, json.Length + 4 + KeyLength);
        data.Write(record);
        data.Flush();
        return committed;
    }

    /// <summary>
    /// The envelope of a whole record of the MID the file is named after; null when the file is
    /// gone, still being written, was cut short, or is a reused file still holding the record of
    /// the message it carried before (<see cref="SpareFiles"/>).
    /// </summary>
    public QueuedEnvelope? ReadEnvelope(string path)
    {
        if (!long.TryParse(Path.GetFileNameWithoutExtension(path), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var mid))
        {
            return null;
        }

        try
        {
            using var file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(file);
            Span<byte> footer = stackalloc byte[FooterLength];
            if (length < FooterLength || RandomAccess.Read(file, footer, length - FooterLength) != FooterLength || !footer[(4 + KeyLength)..].SequenceEqual(Mark)
                || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(footer.Slice(4, KeyLength), key))
            {
                return null;
            }

            var jsonLength = BinaryPrimitives.ReadInt32LittleEndian(footer);
            if (jsonLength is <= 0 or > MaxEnvelopeBytes || jsonLength > length - FooterLength)
            {
                return null;
            }

            var json = new byte[jsonLength];
            if (RandomAccess.Read(file, json, length - FooterLength - jsonLength) != jsonLength)
            {
                return null;
            }

            var envelope = JsonSerializer.Deserialize<QueuedEnvelope>(json, MessageSpool.Json);
            return envelope is not null && envelope.Mid == mid && envelope.DataBytes == length - FooterLength - jsonLength ? envelope : null;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }
}
