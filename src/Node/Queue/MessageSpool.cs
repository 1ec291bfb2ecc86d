using System.Text.Json;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Queue;

/// <summary>
/// The durable queue (IN-6): message data is written to <c>queue/MID.msg</c> and flushed,
/// then the envelope is written atomically as <c>queue/MID.env</c>; only then is the message
/// accepted. Data without an envelope (a crash mid-DATA) is never delivered and is swept.
/// </summary>
internal sealed class MessageSpool
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public MessageSpool(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        Mids = new IdAllocator(Path.Combine(directory, ".next-mid"));
        SweepIncomplete();
    }

    public string Directory { get; }

    public IdAllocator Mids { get; }

    public string DataPath(long mid) => Path.Combine(Directory, $"{mid}.msg");

    public string EnvelopePath(long mid) => Path.Combine(Directory, $"{mid}.env");

    /// <summary>A stream for the message data; written sequentially, flushed by <see cref="CommitAsync"/>.</summary>
    public FileStream CreateData(long mid) =>
        new(DataPath(mid), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 64 * 1024,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });

    /// <summary>Makes the message durable: data flushed to disk, then the envelope written atomically.</summary>
    public async Task CommitAsync(FileStream data, QueuedEnvelope envelope, CancellationToken cancel)
    {
        await data.FlushAsync(cancel);
        data.Flush(flushToDisk: true);
        await AtomicFile.WriteAsync(EnvelopePath(envelope.Mid), JsonSerializer.SerializeToUtf8Bytes(envelope, Json), privateFile: true, cancel: cancel);
    }

    public void Discard(long mid) => File.Delete(DataPath(mid));

    public IEnumerable<QueuedEnvelope> Envelopes() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.env")
            .Select(f => JsonSerializer.Deserialize<QueuedEnvelope>(File.ReadAllBytes(f), Json)!)
            .OrderBy(e => e.Mid);

    private void SweepIncomplete()
    {
        foreach (var data in System.IO.Directory.EnumerateFiles(Directory, "*.msg"))
        {
            if (!File.Exists(Path.ChangeExtension(data, ".env")))
            {
                File.Delete(data);
            }
        }
    }
}
