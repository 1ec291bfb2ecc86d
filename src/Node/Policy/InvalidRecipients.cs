using System.Net;

namespace Gatehouse.Node.Policy;

/// <summary>
/// Directory harvest attack prevention (the appliance's DHAP): the recipients refused to each
/// client address over the last hour, in one-minute steps, by this node and, as the manager
/// relays them, by the others. Bounded: past <see cref="MaxClients"/> addresses, those quiet
/// longest are forgotten first; at most <see cref="MaxUnreported"/> addresses wait to be reported.
/// </summary>
internal sealed class InvalidRecipients(TimeProvider time)
{
    public const int MaxClients = 50_000;

    /// <summary>Addresses in one report; a flood past it is counted here and by the session limits.</summary>
    public const int MaxUnreported = Cluster.Harvest.InvalidRecipientBounds.MaxAddresses;

    // One hour in one-minute steps.
    private const int Steps = 60;

    private readonly Lock gate = new();
    private readonly Dictionary<IPAddress, Counts> clients = [];
    private Dictionary<IPAddress, uint> unreported = [];

    /// <summary>Counts one recipient this node refused to <paramref name="client"/>; the hour's count with it.</summary>
    public int Add(IPAddress client)
    {
        lock (gate)
        {
            if (unreported.Count < MaxUnreported || unreported.ContainsKey(client))
            {
                unreported[client] = unreported.GetValueOrDefault(client) + 1;
            }

            return AddLocked(client, 1);
        }
    }

    /// <summary>Counts recipients another node refused to <paramref name="client"/>.</summary>
    public void AddElsewhere(IPAddress client, int count)
    {
        lock (gate)
        {
            AddLocked(client, count);
        }
    }

    /// <summary>What this node refused since the last call, for the manager to pass on.</summary>
    public IReadOnlyDictionary<IPAddress, uint> TakeUnreported()
    {
        lock (gate)
        {
            var taken = unreported;
            unreported = [];
            return taken;
        }
    }

    /// <summary>Recipients refused to <paramref name="client"/> within the last hour.</summary>
    public int Count(IPAddress client)
    {
        lock (gate)
        {
            return clients.TryGetValue(client, out var counts) ? counts.Total(Minute()) : 0;
        }
    }

    private int AddLocked(IPAddress client, int count)
    {
        var minute = Minute();
        if (!clients.TryGetValue(client, out var counts))
        {
            if (clients.Count >= MaxClients)
            {
                ForgetQuietest();
            }

            counts = clients[client] = new Counts();
        }

        counts.Add(minute, count);
        return counts.Total(minute);
    }

    private long Minute() => time.GetUtcNow().ToUnixTimeSeconds() / 60;

    // A tenth at a time, so that a flood of new addresses costs one scan per thousands of them.
    private void ForgetQuietest()
    {
        foreach (var quiet in clients.OrderBy(c => c.Value.Last).Take(MaxClients / 10).Select(c => c.Key).ToList())
        {
            clients.Remove(quiet);
        }
    }

    private sealed class Counts
    {
        private readonly int[] perMinute = new int[Steps];
        private readonly long[] minuteOf = new long[Steps];

        public long Last { get; private set; }

        public void Add(long minute, int count)
        {
            var slot = (int)(minute % Steps);
            if (minuteOf[slot] != minute)
            {
                (minuteOf[slot], perMinute[slot]) = (minute, 0);
            }

            // Saturating: what others report is bounded by the manager, not trusted to be.
            perMinute[slot] = (int)Math.Min(int.MaxValue, (long)perMinute[slot] + count);
            Last = minute;
        }

        public int Total(long minute)
        {
            var total = 0L;
            for (var i = 0; i < Steps; i++)
            {
                if (minute - minuteOf[i] < Steps)
                {
                    total += perMinute[i];
                }
            }

            return (int)Math.Min(int.MaxValue, total);
        }
    }
}
