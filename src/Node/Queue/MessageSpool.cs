using System.Text.Json;
using System.Threading.Channels;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Queue;

/// <summary>
/// The durable queue (IN-6): message data is written to <c>queue/MID.msg</c>, the envelope
/// beside it as <c>queue/MID.env</c> (a rename, so it is whole or absent), and one group flush
/// of the spool (<see cref="SpoolFlush"/>) makes both durable; only then is the message
/// accepted. Data without an envelope (a crash mid-DATA) is never delivered and is swept, as
/// is an envelope whose data is shorter than it says (the machine stopped before the flush,
/// so no <c>250</c> was given). A message leaves the queue when its envelope is deleted; the
/// deletion is made durable by the next flush, so a crash right after a delivery may send
/// that message again, never lose one.
/// </summary>
internal sealed class MessageSpool : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    // Data files being written right now: they have no envelope yet and are not orphans.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, byte> writing = new();
    private readonly Channel<QueuedEnvelope> arrivals = Channel.CreateUnbounded<QueuedEnvelope>(new UnboundedChannelOptions { SingleReader = true });

    public MessageSpool(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        Mids = new IdAllocator(Path.Combine(directory, ".next-mid"));
        Flush = new SpoolFlush(directory);
        SweepUnflushed();
        SweepIncomplete();
    }

    public SpoolFlush Flush { get; }

    public string Directory { get; }

    public IdAllocator Mids { get; }

    public string DataPath(long mid) => Path.Combine(Directory, $"{mid}.msg");

    public string EnvelopePath(long mid) => Path.Combine(Directory, $"{mid}.env");

    public string ProgressPath(long mid) => Path.Combine(Directory, $"{mid}.dlv");

    /// <summary>Every message committed since start, for the delivery queue to pick up at once.</summary>
    public ChannelReader<QueuedEnvelope> Arrivals => arrivals.Reader;

    /// <summary>A stream for the message data; written sequentially, flushed by <see cref="CommitAsync"/>.</summary>
    public FileStream CreateData(long mid)
    {
        writing[mid] = 0;
        return new(DataPath(mid), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 64 * 1024,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    /// <summary>Makes the message durable: data and envelope written, then one shared flush of the spool.</summary>
    public async Task CommitAsync(FileStream data, QueuedEnvelope envelope, CancellationToken cancel)
    {
        await data.FlushAsync(cancel);
        var committed = envelope with { DataBytes = data.Length };
        await AtomicFile.WriteAsync(EnvelopePath(envelope.Mid), JsonSerializer.SerializeToUtf8Bytes(committed, Json), privateFile: true, durable: false, cancel: cancel);
        await Flush.FlushAsync(DataPath(envelope.Mid), EnvelopePath(envelope.Mid));
        writing.TryRemove(envelope.Mid, out _);
        arrivals.Writer.TryWrite(committed);
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

    public DeliveryProgress? ReadProgress(long mid) => ProgressIn(Directory, mid);

    /// <summary>Delivery progress, durable with the next shared flush (concurrent deliveries share it).</summary>
    public async Task SaveProgressAsync(long mid, DeliveryProgress progress, CancellationToken cancel)
    {
        await AtomicFile.WriteAsync(ProgressPath(mid), JsonSerializer.SerializeToUtf8Bytes(progress, Json), privateFile: true, durable: false, cancel: cancel);
        await Flush.FlushAsync(ProgressPath(mid));
    }

    /// <summary>
    /// Takes a finished message out of the queue, envelope first: the file system keeps the
    /// order of the deletions, so the data can never be gone while its envelope stays.
    /// </summary>
    public void Remove(long mid)
    {
        File.Delete(EnvelopePath(mid));
        File.Delete(DataPath(mid));
        File.Delete(ProgressPath(mid));
    }

    public void Dispose() => Flush.Dispose();

    public void Discard(long mid)
    {
        File.Delete(DataPath(mid));
        writing.TryRemove(mid, out _);
    }

    public IEnumerable<QueuedEnvelope> Envelopes() => EnvelopesIn(Directory);

    /// <summary>
    /// The envelopes in a queue directory, read without opening the spool (which sweeps), so
    /// a running node's queue can be listed from outside.
    /// </summary>
    public static IEnumerable<QueuedEnvelope> EnvelopesIn(string directory) =>
        System.IO.Directory.EnumerateFiles(directory, "*.env").Select(Read<QueuedEnvelope>).OfType<QueuedEnvelope>().OrderBy(e => e.Mid);

    public static DeliveryProgress? ProgressIn(string directory, long mid) => Read<DeliveryProgress>(Path.Combine(directory, $"{mid}.dlv"));

    // Null when the file is not there, or went away while read (delivered meanwhile).
    private static T? Read<T>(string path)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllBytes(path), Json);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    // Envelopes whose data did not reach the disk whole before the machine stopped: their
    // flush never returned, so the client never had a 250 and will send the message again.
    private void SweepUnflushed()
    {
        foreach (var envelope in Envelopes().Where(e => e.DataBytes > 0).ToList())
        {
            var data = new FileInfo(DataPath(envelope.Mid));
            if (!data.Exists || data.Length < envelope.DataBytes)
            {
                File.Delete(EnvelopePath(envelope.Mid));
                File.Delete(data.FullName);
            }
        }
    }

    /// <summary>
    /// Deletes data and progress files without an envelope (a crash or a failure mid-DATA), except
    /// those being written now; returns how many. Run at start and then periodically.
    /// </summary>
    public int SweepIncomplete()
    {
        var swept = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.msg").Concat(System.IO.Directory.EnumerateFiles(Directory, "*.dlv")).ToList())
        {
            var inProgress = long.TryParse(Path.GetFileNameWithoutExtension(file), out var mid) && writing.ContainsKey(mid);
            if (!inProgress && !File.Exists(Path.ChangeExtension(file, ".env")))
            {
                File.Delete(file);
                swept++;
            }
        }

        return swept;
    }
}
