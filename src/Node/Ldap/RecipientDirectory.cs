using System.Net.Sockets;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Ldap;
using Gatehouse.Node.Model;
using Microsoft.Extensions.Caching.Memory;

namespace Gatehouse.Node.Ldap;

internal enum DirectoryVerdict
{
    Known,
    Unknown,
    Unavailable,
}

/// <summary>The directory's answer for one recipient; for <see cref="DirectoryVerdict.Unavailable"/>, why.</summary>
internal sealed record DirectoryAnswer(DirectoryVerdict Verdict, string Detail);

/// <summary>
/// LDAP accept queries (SVC-2): is this recipient in the directory? A lookup that is not
/// cached searches on one of the profile's pooled connections (<see cref="LdapConnectionPool"/>,
/// opened as <see cref="DirectoryConnection"/> says). Known and unknown answers are kept for the
/// profile's cache time; a directory that cannot answer is never cached and never guessed.
/// </summary>
internal sealed class RecipientDirectory(TimeProvider time) : IDisposable
{
    public const int CacheEntries = 50_000;
    private const uint DefaultTimeoutSeconds = 5;
    private const uint DefaultCacheSeconds = 60;
    private const uint DefaultMaxConnections = 4;
    private readonly Dictionary<string, (long Version, LdapConnectionPool Pool)> pools = new(StringComparer.Ordinal);
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = CacheEntries, CompactionPercentage = 0.25 });

    public async Task<DirectoryAnswer> CheckAsync(NodeSnapshot snapshot, LdapProfile profile, string recipient, CancellationToken cancel)
    {
        // The version is part of the key: a commit that changes the profile starts afresh. The
        // address is kept as it was searched: with a case-exact attribute, "unknown" for ALICE@
        // says nothing of alice@.
        var key = (snapshot.Version, profile.Name, recipient);
        if (cache.TryGetValue(key, out DirectoryAnswer? hit) && hit is not null)
        {
            return hit;
        }

        var answer = await AskAsync(snapshot, profile, recipient, cancel);
        if (answer.Verdict != DirectoryVerdict.Unavailable)
        {
            var keep = TimeSpan.FromSeconds(profile.CacheSeconds > 0 ? profile.CacheSeconds : DefaultCacheSeconds);
            cache.Set(key, answer, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = keep });
        }

        return answer;
    }

    public void Dispose()
    {
        cache.Dispose();
        lock (pools)
        {
            foreach (var (_, pool) in pools.Values)
            {
                _ = pool.DisposeAsync().AsTask();
            }

            pools.Clear();
        }
    }

    /// <summary>
    /// The profile's pool for this version or a newer one (a session keeps the snapshot it began
    /// with; the newest connections serve it too). A newer version retires every older pool.
    /// </summary>
    private LdapConnectionPool PoolFor(NodeSnapshot snapshot, LdapProfile profile)
    {
        lock (pools)
        {
            if (pools.TryGetValue(profile.Name, out var entry) && entry.Version >= snapshot.Version)
            {
                return entry.Pool;
            }

            foreach (var (name, old) in pools.Where(p => p.Value.Version < snapshot.Version).ToList())
            {
                pools.Remove(name);
                _ = old.Pool.DisposeAsync().AsTask();
            }

            var pool = new LdapConnectionPool((int)(profile.MaxConnections > 0 ? profile.MaxConnections : DefaultMaxConnections), time);
            pools[profile.Name] = (snapshot.Version, pool);
            return pool;
        }
    }

    private async Task<DirectoryAnswer> AskAsync(NodeSnapshot snapshot, LdapProfile profile, string recipient, CancellationToken cancel)
    {
        var seconds = profile.TimeoutSeconds > 0 ? profile.TimeoutSeconds : DefaultTimeoutSeconds;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token);
        var port = profile.Port > 0 ? (int)profile.Port : profile.Security == LdapSecurity.Ldaps ? 636 : 389;
        var pool = PoolFor(snapshot, profile);
        var connection = new DirectoryConnection(snapshot, profile, port);
        LdapConnectionPool.Turn? turn = null;
        try
        {
            turn = await pool.EnterAsync(linked.Token);
            if (turn is null)
            {
                return Unavailable($"all {pool.Size} connections to {profile.Host}:{port} are busy and {pool.Size * LdapConnectionPool.WaitingPerConnection} lookups wait");
            }

            var filter = LdapFilter.Encode(LdapFilter.ForRecipient(profile.AcceptQuery, recipient));
            var found = await connection.SearchAsync(turn, filter, (int)seconds, linked.Token);
            return new DirectoryAnswer(found ? DirectoryVerdict.Known : DirectoryVerdict.Unknown, "");
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return Unavailable(turn is null
                ? $"all {pool.Size} connections to {profile.Host}:{port} stayed busy for {seconds} s"
                : $"no answer within {seconds} s");
        }
        catch (LdapException e)
        {
            return Unavailable(connection.CertificateProblem is null ? e.Message : $"TLS failed: {connection.CertificateProblem}");
        }
        catch (SocketException e)
        {
            return Unavailable($"cannot connect to {profile.Host}:{port}: {e.SocketErrorCode}");
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or FormatException)
        {
            return Unavailable($"connection to {profile.Host}:{port} lost: {LdapException.Printable(e.Message)}");
        }
        finally
        {
            if (turn is not null)
            {
                await turn.DisposeAsync();
            }
        }
    }

    private static DirectoryAnswer Unavailable(string why) => new(DirectoryVerdict.Unavailable, why);
}
