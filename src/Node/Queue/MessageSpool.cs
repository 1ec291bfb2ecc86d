using System.Text.Json;
using System.Threading.Channels;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Queue;

/// <summary>
/// The durable queue (IN-6): message data is written to <c>queue/MID.msg</c> and flushed,
/// then the envelope is written atomically as <c>queue/MID.env</c>; only then is the message
/// accepted. Data without an envelope (a crash mid-DATA) is never delivered and is swept.
/// A message leaves the queue when its envelope is deleted.
/// </summary>
internal sealed class MessageSpool
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private readonly Channel<QueuedEnvelope> arrivals = Channel.CreateUnbounded<QueuedEnvelope>(new UnboundedChannelOptions { SingleReader = true });

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

    public string ProgressPath(long mid) => Path.Combine(Directory, $"{mid}.dlv");

    /// <summary>Every message committed since start, for the delivery queue to pick up at once.</summary>
    public ChannelReader<QueuedEnvelope> Arrivals => arrivals.Reader;

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
        arrivals.Writer.TryWrite(envelope);
    }

    /// <summary>Queues a message the node writes itself (a bounce, an alert), durably like any other.</summary>
    public async Task<long> InjectAsync(byte[] content, string mailFrom, IReadOnlyList<string> recipients, string origin, DateTimeOffset now, CancellationToken cancel)
    {
        var mid = Mids.Next();
        await using var data = CreateData(mid);
        await data.WriteAsync(content, cancel);
        await CommitAsync(data, new QueuedEnvelope
        {
            Mid = mid,
            Listener = origin,
            MailFrom = mailFrom,
            Recipients = recipients,
            ReceivedAt = now,
            Size = content.Length,
        }, cancel);
        return mid;
    }

    public DeliveryProgress? ReadProgress(long mid) =>
        File.Exists(ProgressPath(mid)) ? JsonSerializer.Deserialize<DeliveryProgress>(File.ReadAllBytes(ProgressPath(mid)), Json) : null;

    public Task SaveProgressAsync(long mid, DeliveryProgress progress, CancellationToken cancel) =>
        AtomicFile.WriteAsync(ProgressPath(mid), JsonSerializer.SerializeToUtf8Bytes(progress, Json), privateFile: true, cancel: cancel);

    /// <summary>Takes a finished message out of the queue; once the envelope's removal is on disk it is never sent again.</summary>
    public void Remove(long mid)
    {
        File.Delete(EnvelopePath(mid));
        AtomicFile.FlushDirectory(Directory);
        File.Delete(DataPath(mid));
        File.Delete(ProgressPath(mid));
    }

    public void Discard(long mid) => File.Delete(DataPath(mid));

    public IEnumerable<QueuedEnvelope> Envelopes() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.env")
            .Select(f => JsonSerializer.Deserialize<QueuedEnvelope>(File.ReadAllBytes(f), Json)!)
            .OrderBy(e => e.Mid);

    private void SweepIncomplete()
    {
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.msg").Concat(System.IO.Directory.EnumerateFiles(Directory, "*.dlv")))
        {
            if (!File.Exists(Path.ChangeExtension(file, ".env")))
            {
                File.Delete(file);
            }
        }
    }
}
