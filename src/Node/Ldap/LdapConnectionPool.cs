namespace Gatehouse.Node.Ldap;

/// <summary>
/// One profile's connections to its directory under one configuration version: at most
/// <see cref="Size"/> open, each opened and bound once and then used by one lookup at a time,
/// so a burst of unknown recipients cannot open a connection per address. Lookups beyond what
/// may wait are turned away at once; a connection idle too long is closed rather than reused,
/// since directories drop idle clients.
/// </summary>
internal sealed class LdapConnectionPool(int size, TimeProvider time) : IAsyncDisposable
{
    /// <summary>Lookups that may wait for a connection, per connection.</summary>
    public const int WaitingPerConnection = 8;

    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(60);
    private readonly SemaphoreSlim free = new(size, size);
    private readonly Stack<(LdapSession Session, DateTimeOffset Since)> idle = new();
    private readonly Lock gate = new();
    private int waiting;
    private bool retired;

    public int Size => size;

    /// <summary>A turn with a connection, or null when too many lookups already wait. Cancelled at the lookup's deadline.</summary>
    public async Task<Turn?> EnterAsync(CancellationToken cancel)
    {
        if (Interlocked.Increment(ref waiting) > size * WaitingPerConnection)
        {
            Interlocked.Decrement(ref waiting);
            return null;
        }

        try
        {
            await free.WaitAsync(cancel);
        }
        finally
        {
            Interlocked.Decrement(ref waiting);
        }

        return new Turn(this, TakeIdle());
    }

    /// <summary>After a commit: idle connections close now, those in use when their lookup ends.</summary>
    public async ValueTask DisposeAsync()
    {
        List<LdapSession> closing;
        lock (gate)
        {
            retired = true;
            closing = [.. idle.Select(i => i.Session)];
            idle.Clear();
        }

        foreach (var session in closing)
        {
            await session.DisposeAsync();
        }
    }

    private LdapSession? TakeIdle()
    {
        lock (gate)
        {
            while (idle.TryPop(out var entry))
            {
                if (time.GetUtcNow() - entry.Since < MaxIdle)
                {
                    return entry.Session;
                }

                _ = entry.Session.DisposeAsync().AsTask();
            }

            return null;
        }
    }

    private async ValueTask LeaveAsync(LdapSession? healthy)
    {
        var keep = false;
        if (healthy is not null)
        {
            lock (gate)
            {
                if (!retired)
                {
                    idle.Push((healthy, time.GetUtcNow()));
                    keep = true;
                }
            }
        }

        free.Release();
        if (healthy is not null && !keep)
        {
            await healthy.DisposeAsync();
        }
    }

    /// <summary>
    /// One lookup's hold on a connection: an idle one to reuse, or room to open one. Whoever
    /// holds it gives the connection back when it answered cleanly (<see cref="Keep"/>), else it
    /// is closed.
    /// </summary>
    public sealed class Turn(LdapConnectionPool pool, LdapSession? reused) : IAsyncDisposable
    {
        private LdapSession? kept;

        public LdapSession? Reused => reused;

        public void Keep(LdapSession session) => kept = session;

        public async ValueTask DisposeAsync() => await pool.LeaveAsync(kept);
    }
}
