using System.Net;

namespace Gatehouse.Node.Policy;

/// <summary>
/// Directory harvest attack prevention (the appliance's DHAP): the recipients refused to each
/// client address over the last hour on this node, in one-minute steps. Bounded: past
/// <see cref="MaxClients"/> addresses, those quiet longest are forgotten first.
/// </summary>
internal sealed class InvalidRecipients(TimeProvider time)
{
    public const int MaxClients = 50_000;

    // One hour in one-minute steps.
    private const int Steps = 60;

    private readonly Lock gate = new();
    private readonly Dictionary<IPAddress, Counts> clients = [];

    /// <summary>Counts one refused recipient for <paramref name="client"/>; the hour's count with it.</summary>
    public int Add(IPAddress client)
    {
        var minute = Minute();
        lock (gate)
        {
            if (!clients.TryGetValue(client, out var counts))
            {
                if (clients.Count >= MaxClients)
                {
                    ForgetQuietest();
                }

                counts = clients[client] = new Counts();
            }

            counts.Add(minute);
            return counts.Total(minute);
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

        public void Add(long minute)
        {
            var slot = (int)(minute % Steps);
            if (minuteOf[slot] != minute)
            {
                (minuteOf[slot], perMinute[slot]) = (minute, 0);
            }

            perMinute[slot]++;
            Last = minute;
        }

        public int Total(long minute)
        {
            var total = 0;
            for (var i = 0; i < Steps; i++)
            {
                if (minute - minuteOf[i] < Steps)
                {
                    total += perMinute[i];
                }
            }

            return total;
        }
    }
}
