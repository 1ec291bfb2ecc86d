using System.Text.Json;
using System.Threading.Channels;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Queue;

/// <summary>
/// The durable queue (IN-6): each message is one file, <c>queue/MID.msg</c> — its data, then
/// its envelope appended when it is accepted (<see cref="SpoolRecord"/>) — and one group flush
/// of the spool (<see cref="SpoolFlush"/>) makes it durable; only then is the message accepted.
/// A file without a whole envelope (a crash mid-DATA, or before the flush, so no <c>250</c> was
/// given) is never delivered and is swept. A message leaves the queue when its file is deleted;
/// the deletion is made durable by the next flush, so a crash right after a delivery may send
/// that message again, never lose one. Queues written by earlier versions (the envelope beside
/// the data as <c>MID.env</c>) are read and delivered as they are.
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

    // Messages in the queue, known without reading their files (the sweep skips them).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, byte> queued = new();

    // Messages queued by an earlier version, whose envelope is a file of its own.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, byte> legacy = new();
    private readonly SpoolRecord records;
    private readonly SpareFiles spares;
    private readonly Channel<QueuedEnvelope> arrivals = Channel.CreateUnbounded<QueuedEnvelope>(new UnboundedChannelOptions { SingleReader = true });

    public MessageSpool(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        Mids = new IdAllocator(Path.Combine(directory, ".next-mid"));
        Flush = new SpoolFlush(directory);
        records = SpoolRecord.Create(directory);
        spares = new SpareFiles(directory);
        SweepUnflushedLegacy();
        foreach (var envelope in Envelopes())
        {
            queued[envelope.Mid] = 0;
        }

        foreach (var mid in LegacyMids(directory))
        {
            legacy[mid] = 0;
        }

        SweepIncomplete();
    }

    public SpoolFlush Flush { get; }

    public string Directory { get; }

    public IdAllocator Mids { get; }

    public string DataPath(long mid) => Path.Combine(Directory, $"{mid}.msg");

    public string ProgressPath(long mid) => Path.Combine(Directory, $"{mid}.dlv");

    /// <summary>Every message committed since start, for the delivery queue to pick up at once.</summary>
    public ChannelReader<QueuedEnvelope> Arrivals => arrivals.Reader;

    /// <summary>Whether the message is in the queue (accepted and not yet finished).</summary>
    public bool Holds(long mid) => queued.ContainsKey(mid);

    /// <summary>A stream for the message data; written sequentially, flushed by <see cref="CommitAsync"/>.</summary>
    public FileStream CreateData(long mid)
    {
        writing[mid] = 0;
        if (spares.TryTake(DataPath(mid)))
        {
            // Truncated before anything is written: no byte of a client lands before the old record.
            return new(DataPath(mid), new FileStreamOptions { Mode = FileMode.Truncate, Access = FileAccess.Write, BufferSize = 64 * 1024 });
        }

        return new(DataPath(mid), new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            BufferSize = 64 * 1024,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    /// <summary>Makes the message durable: its envelope appended to its data, then one shared flush of the spool.</summary>
    public async Task CommitAsync(FileStream data, QueuedEnvelope envelope, CancellationToken cancel)
    {
        var committed = records.AppendEnvelope(data, envelope);
        await Flush.FlushAsync(DataPath(envelope.Mid));
        queued[envelope.Mid] = 0;
        writing.TryRemove(envelope.Mid, out _);
        arrivals.Writer.TryWrite(committed);
    }

    /// <summary>The message as received (without its envelope), for reading from the start; read it synchronously (see <see cref="SpoolRecord.AppendEnvelope"/>).</summary>
    public Stream OpenData(QueuedEnvelope envelope)
    {
        var file = new FileStream(DataPath(envelope.Mid), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 64 * 1024, useAsync: false);
        // Envelopes of early versions did not record the length; their data file is only data.
        return new MimeKit.IO.BoundStream(file, 0, envelope.DataBytes > 0 ? envelope.DataBytes : -1, leaveOpen: false);
    }

    /// <summary>Queues a message the node writes itself (a bounce, an alert), durably like any other.</summary>
    public async Task<long> InjectAsync(byte[] content, string mailFrom, IReadOnlyList<string> recipients, string origin, DateTimeOffset now, CancellationToken cancel, bool requireTls = false, bool tlsOptional = false)
    {
        var mid = Mids.Next();
        await using var data = CreateData(mid);
        await data.WriteAsync(content, cancel);
        await CommitAsync(data, new QueuedEnvelope
        {
            Mid = mid,
            Listener = origin,
            MailFrom = mailFrom,
            RequireTls = requireTls,
            TlsOptional = tlsOptional,
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
    /// Takes a finished message out of the queue. An earlier version's envelope goes first: the
    /// file system keeps the order of the deletions, so its data can never be gone while it stays.
    /// </summary>
    public void Remove(long mid)
    {
        if (legacy.TryRemove(mid, out _))
        {
            File.Delete(Path.Combine(Directory, $"{mid}.env"));
        }

        DeleteOrKeep(mid);
        File.Delete(ProgressPath(mid));
        queued.TryRemove(mid, out _);
    }

    public void Dispose() => Flush.Dispose();

    public void Discard(long mid)
    {
        DeleteOrKeep(mid);
        writing.TryRemove(mid, out _);
    }

    private void DeleteOrKeep(long mid)
    {
        if (!spares.TryKeep(DataPath(mid)))
        {
            File.Delete(DataPath(mid));
        }
    }

    public IEnumerable<QueuedEnvelope> Envelopes() => EnvelopesIn(Directory);

    /// <summary>
    /// The envelopes in a queue directory, read without opening the spool (which sweeps), so
    /// a running node's queue can be listed from outside.
    /// </summary>
    public static IEnumerable<QueuedEnvelope> EnvelopesIn(string directory)
    {
        var legacy = LegacyMids(directory).ToHashSet();
        var records = SpoolRecord.ReadFrom(directory);
        return System.IO.Directory.EnumerateFiles(directory, "*.msg")
            .Select(data => long.TryParse(Path.GetFileNameWithoutExtension(data), out var mid) && legacy.Contains(mid)
                ? Read<QueuedEnvelope>(Path.ChangeExtension(data, ".env"))
                : records?.ReadEnvelope(data))
            .OfType<QueuedEnvelope>()
            .OrderBy(e => e.Mid);
    }

    public static DeliveryProgress? ProgressIn(string directory, long mid) => Read<DeliveryProgress>(Path.Combine(directory, $"{mid}.dlv"));

    private static IEnumerable<long> LegacyMids(string directory) =>
        System.IO.Directory.EnumerateFiles(directory, "*.env")
            .Select(env => long.TryParse(Path.GetFileNameWithoutExtension(env), out var mid) ? mid : -1)
            .Where(mid => mid >= 0);

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

    // An earlier version's envelope whose data did not reach the disk whole before the machine
    // stopped: its flush never returned, so the client never had a 250 and will send it again.
    private void SweepUnflushedLegacy()
    {
        foreach (var mid in LegacyMids(Directory).ToList())
        {
            var envelope = Path.Combine(Directory, $"{mid}.env");
            var data = new FileInfo(DataPath(mid));
            if (!data.Exists || Read<QueuedEnvelope>(envelope) is not { } read || data.Length < read.DataBytes)
            {
                File.Delete(envelope);
                File.Delete(data.FullName);
            }
        }
    }

    /// <summary>
    /// Deletes message files without a whole envelope (a crash or a failure mid-DATA) and progress
    /// files without a message, except those being written now; returns how many. Run at start
    /// and then periodically.
    /// </summary>
    public int SweepIncomplete()
    {
        var swept = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.msg").Concat(System.IO.Directory.EnumerateFiles(Directory, "*.dlv")).ToList())
        {
            if (!long.TryParse(Path.GetFileNameWithoutExtension(file), out var mid) || writing.ContainsKey(mid) || queued.ContainsKey(mid))
            {
                continue;
            }

            var incomplete = file.EndsWith(".dlv", StringComparison.Ordinal) ? !File.Exists(DataPath(mid)) : records.ReadEnvelope(file) is null;
            // Asked again: the message may have been committed while its file was read.
            if (incomplete && !writing.ContainsKey(mid) && !queued.ContainsKey(mid))
            {
                File.Delete(file);
                swept++;
            }
        }

        return swept;
    }
}
