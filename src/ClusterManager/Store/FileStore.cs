using System.Text;
using Gatehouse.Configuration.Files;
using Gatehouse.Manager.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Store;

/// <summary>
/// The embedded store: one JSON file per record under <c>DATA/store</c>, each written
/// atomically; a lock file keeps a second manager off the same directory.
/// </summary>
internal sealed partial class FileStore : IManagerStore, IDisposable
{
    private readonly string root;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly FileStream lockFile;

    // The data directory belongs to this process alone (lock file), so the newest version can
    // be kept in memory; every node stream asks for it on each wake-up. Callers never mutate it.
    private ConfigVersion? latest;

    public FileStore(string dataDir)
    {
        root = Path.Combine(dataDir, "store");
        foreach (var folder in new[] { "versions", "nodes", "revoked", "tokens", "api-tokens", "gui-users", "mta-sts" })
        {
            Directory.CreateDirectory(Path.Combine(root, folder));
        }

        try
        {
            lockFile = new FileStream(Path.Combine(root, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new StoreException($"the data directory {dataDir} is in use by another manager ({e.Message})");
        }
    }

    public Task<ConfigVersion> GetLatestAsync(CancellationToken cancel = default) =>
        Volatile.Read(ref latest) is { } cached
            ? Task.FromResult(cached)
            : Locked(async () =>
            {
                var file = VersionFiles().LastOrDefault();
                var read = file is null ? Empty() : await ReadAsync<ConfigVersion>(file, cancel) ?? Empty();
                Volatile.Write(ref latest, read);
                return read;
            });

    public Task<ConfigVersion?> GetVersionAsync(long version, CancellationToken cancel = default) =>
        Locked(() => ReadAsync<ConfigVersion>(VersionPath(version), cancel));

    public Task<IReadOnlyList<ConfigVersion>> ListVersionsAsync(CancellationToken cancel = default) =>
        Locked(async () =>
        {
            var versions = new List<ConfigVersion>();
            foreach (var file in VersionFiles())
            {
                versions.Add((await ReadAsync<ConfigVersion>(file, cancel))!);
            }

            return (IReadOnlyList<ConfigVersion>)versions;
        });

    public Task<bool> TryCommitAsync(ConfigVersion next, long? clearPendingAt, CancellationToken cancel = default) =>
        Locked(async () =>
        {
            var newest = VersionFiles().LastOrDefault();
            var newestNumber = newest is null ? 0 : long.Parse(Path.GetFileNameWithoutExtension(newest), System.Globalization.CultureInfo.InvariantCulture);
            if (next.Version != newestNumber + 1
                || (clearPendingAt is { } revision && await PendingRevisionAsync(cancel) != revision))
            {
                return false;
            }

            await WriteAsync(VersionPath(next.Version), next, cancel);
            Volatile.Write(ref latest, next.Clone());
            if (clearPendingAt is not null)
            {
                File.Delete(PendingPath);
            }

            return true;
        });

    public Task<int> RewriteContentAsync(Func<Cluster.V1.ConfigurationSet, Cluster.V1.ConfigurationSet?> rewrite, CancellationToken cancel = default) =>
        Locked(async () =>
        {
            var changed = 0;
            foreach (var file in VersionFiles())
            {
                var version = (await ReadAsync<ConfigVersion>(file, cancel))!;
                if (rewrite(version.Content) is { } content)
                {
                    version.Content = content;
                    await WriteAsync(file, version, cancel);
                    changed++;
                }
            }

            if (await ReadAsync<PendingChanges>(PendingPath, cancel) is { } pending && rewrite(pending.Content) is { } staged)
            {
                pending.Content = staged;
                await WriteAsync(PendingPath, pending, cancel);
                changed++;
            }

            var newest = VersionFiles().LastOrDefault();
            if (newest is not null)
            {
                Volatile.Write(ref latest, await ReadAsync<ConfigVersion>(newest, cancel));
            }

            return changed;
        });

    public Task<PendingChanges?> GetPendingAsync(CancellationToken cancel = default) =>
        Locked(() => ReadAsync<PendingChanges>(PendingPath, cancel));

    public Task<bool> TrySavePendingAsync(PendingChanges pending, CancellationToken cancel = default) =>
        Locked(async () =>
        {
            if (await PendingRevisionAsync(cancel) != pending.Revision)
            {
                return false;
            }

            var saved = pending.Clone();
            saved.Revision++;
            await WriteAsync(PendingPath, saved, cancel);
            pending.Revision = saved.Revision;
            return true;
        });

    // Under the lock: the revision of the stored pending changes, 0 when there are none.
    private async Task<long> PendingRevisionAsync(CancellationToken cancel) =>
        (await ReadAsync<PendingChanges>(PendingPath, cancel))?.Revision ?? 0;

    public Task ClearPendingAsync(CancellationToken cancel = default) =>
        Locked(() =>
        {
            File.Delete(PendingPath);
            return Task.CompletedTask;
        });

    public Task<NodeRecord?> GetNodeAsync(string name, CancellationToken cancel = default) =>
        Locked(() => ReadAsync<NodeRecord>(NodePath(name), cancel));

    public Task<IReadOnlyList<NodeRecord>> ListNodesAsync(CancellationToken cancel = default) =>
        Locked(async () =>
        {
            var nodes = new List<NodeRecord>();
            foreach (var file in Directory.GetFiles(Path.Combine(root, "nodes"), "*.json").Order(StringComparer.Ordinal))
            {
                nodes.Add((await ReadAsync<NodeRecord>(file, cancel))!);
            }

            return (IReadOnlyList<NodeRecord>)nodes;
        });

    public Task SaveNodeAsync(NodeRecord node, CancellationToken cancel = default) =>
        Locked(() => WriteAsync(NodePath(node.Name), node, cancel));

    public Task<bool> UpdateNodeAsync(string name, Action<NodeRecord> change, CancellationToken cancel = default) =>
        Locked(async () =>
        {
            var node = await ReadAsync<NodeRecord>(NodePath(name), cancel);
            if (node is null)
            {
                return false;
            }

            var serial = node.CertificateSerial;
            change(node);
            // Status is soft state that nodes report again on reconnect: no fsync on this hot path.
            // A renewed certificate is membership, not status: that change is flushed.
            await AtomicFile.WriteAsync(NodePath(name), ProtoJson.FormatBytes(node), privateFile: true, durable: node.CertificateSerial != serial, cancel);
            return true;
        });

    public Task<bool> RemoveNodeAsync(string name, RevokedCertificate revocation, CancellationToken cancel = default) =>
        Locked(async () =>
        {
            var path = NodePath(name);
            if (!File.Exists(path))
            {
                return false;
            }

            await WriteAsync(Path.Combine(root, "revoked", $"{revocation.Serial}.json"), revocation, cancel);
            File.Delete(path);
            return true;
        });

    public Task RestoreRevokedAsync(RevokedCertificate revocation, CancellationToken cancel = default) =>
        Locked(() => WriteAsync(Path.Combine(root, "revoked", $"{Safe(revocation.Serial)}.json"), revocation, cancel));

    public Task<IReadOnlyList<RevokedCertificate>> ListRevokedAsync(CancellationToken cancel = default) =>
        Locked(() => ReadAllAsync<RevokedCertificate>("revoked", cancel));

    public Task CheckReachableAsync(CancellationToken cancel = default) =>
        Directory.Exists(root) ? Task.CompletedTask : throw new StoreException($"the store directory {root} is gone");

    public Task<bool> IsRevokedAsync(string serial, CancellationToken cancel = default) =>
        Task.FromResult(File.Exists(Path.Combine(root, "revoked", $"{Safe(serial)}.json")));

    public Task AddJoinTokenAsync(JoinTokenRecord token, CancellationToken cancel = default) =>
        Locked(() => WriteAsync(TokenPath(token.Id), token, cancel));

    public Task<TokenUse> TryUseJoinTokenAsync(string id, string secretHash, string nodeName, DateTimeOffset now, CancellationToken cancel = default) =>
        Locked(async () =>
        {
            var token = await ReadAsync<JoinTokenRecord>(TokenPath(id), cancel);
            var verdict = TokenRules.Judge(token, secretHash, now);
            if (verdict == TokenUse.Accepted)
            {
                token!.Used = true;
                token.UsedByNode = nodeName;
                await WriteAsync(TokenPath(id), token, cancel);
            }

            return verdict;
        });

    // Appends the record unless one the same is there already; true when it was appended.
    private Task<bool> AppendOnceAsync<T>(string path, T record, Func<T, bool> same, CancellationToken cancel)
        where T : class, IMessage<T>, new() =>
        Locked(async () =>
        {
            if ((await ReadLinesAsync<T>(path, int.MaxValue, cancel)).Any(same))
            {
                return false;
            }

            await AppendLineAsync(path, record, cancel);
            return true;
        });

    public void Dispose()
    {
        lockFile.Dispose();
        gate.Dispose();
    }

    private string PendingPath => Path.Combine(root, "pending.json");

    private string AuditPath => Path.Combine(root, "audit.log");

    private string AlertsPath => Path.Combine(root, "alerts.log");

    private string AlertEventsPath => Path.Combine(root, "alert-events.log");

    private string TlsReportEventsPath => Path.Combine(root, "tls-report-events.log");

    private string VersionPath(long version) => Path.Combine(root, "versions", $"{version:D8}.json");

    private string StsPolicyPath(string domain) => Path.Combine(root, "mta-sts", $"{Safe(domain.ToLowerInvariant())}.json");

    private string NodePath(string name) => Path.Combine(root, "nodes", $"{Safe(name)}.json");

    private string GuiUserPath(string name) => Path.Combine(root, "gui-users", $"{Safe(name)}.json");

    // Every record of one folder, in file name order.
    private async Task<IReadOnlyList<T>> ReadAllAsync<T>(string folder, CancellationToken cancel)
        where T : class, IMessage<T>, new()
    {
        var records = new List<T>();
        foreach (var file in Directory.GetFiles(Path.Combine(root, folder), "*.json").Order(StringComparer.Ordinal))
        {
            records.Add((await ReadAsync<T>(file, cancel))!);
        }

        return records;
    }

    private static bool Delete(string path)
    {
        var found = File.Exists(path);
        File.Delete(path);
        return found;
    }

    private string ApiTokenPath(string name) => Path.Combine(root, "api-tokens", $"{Safe(name)}.json");

    private string TokenPath(string id) => Path.Combine(root, "tokens", $"{Safe(id)}.json");

    private IEnumerable<string> VersionFiles() =>
        Directory.GetFiles(Path.Combine(root, "versions"), "*.json").Order(StringComparer.Ordinal);

    // Names reach file paths: allow nothing that could leave the folder.
    private static string Safe(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !name.StartsWith('.')
            ? name
            : throw new StoreException($"'{name}' is not a valid name (letters, digits, '-', '_', '.')");

    private static ConfigVersion Empty() => new()
    {
        Version = 0,
        Content = new Cluster.V1.ConfigurationSet { Cluster = new Cluster.V1.LevelConfig() },
        CommittedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch),
    };

    private static async Task<T?> ReadAsync<T>(string path, CancellationToken cancel)
        where T : class, IMessage<T>, new()
    {
        if (!File.Exists(path))
        {
            return null;
        }

        return ProtoJson.Parse<T>(await File.ReadAllTextAsync(path, cancel));
    }

    // Logs are JSON lines, appended and flushed one record at a time.
    private static async Task AppendLineAsync(string path, IMessage record, CancellationToken cancel)
    {
        var line = Encoding.UTF8.GetBytes(ProtoJson.Format(record) + "\n");
        await using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        await stream.WriteAsync(line, cancel);
        stream.Flush(flushToDisk: true);
    }

    private static async Task<IReadOnlyList<T>> ReadLinesAsync<T>(string path, int last, CancellationToken cancel)
        where T : IMessage<T>, new()
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var lines = await File.ReadAllLinesAsync(path, cancel);
        return lines.Where(l => l.Length > 0).TakeLast(last).Select(ProtoJson.Parse<T>).ToList();
    }

    private static Task WriteAsync(string path, IMessage message, CancellationToken cancel) =>
        AtomicFile.WriteAsync(path, ProtoJson.FormatBytes(message), privateFile: true, cancel: cancel);

    private async Task<T> Locked<T>(Func<Task<T>> action)
    {
        await gate.WaitAsync();
        try
        {
            return await action();
        }
        finally
        {
            gate.Release();
        }
    }

    private Task Locked(Func<Task> action) => Locked(async () =>
    {
        await action();
        return true;
    });
}
