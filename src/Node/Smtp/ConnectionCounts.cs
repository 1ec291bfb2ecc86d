using System.Net;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// Open SMTP connections, in all and per client address, for the node-wide cap and the
/// per-IP limit of the mail flow policies. An address leaves the table with its last
/// connection, so the table never holds more entries than there are connections.
/// </summary>
internal sealed class ConnectionCounts
{
    private readonly Lock gate = new();
    private readonly Dictionary<IPAddress, int> perAddress = [];
    private int total;

    /// <summary>Counts a new connection; returns the totals including it.</summary>
    public (int Total, int FromAddress) Open(IPAddress address)
    {
        lock (gate)
        {
            total++;
            var fromAddress = perAddress.GetValueOrDefault(address) + 1;
            perAddress[address] = fromAddress;
            return (total, fromAddress);
        }
    }

    public void Close(IPAddress address)
    {
        lock (gate)
        {
            total--;
            var left = perAddress.GetValueOrDefault(address) - 1;
            if (left > 0)
            {
                perAddress[address] = left;
            }
            else
            {
                perAddress.Remove(address);
            }
        }
    }

    /// <summary>Addresses with open connections (for tests of boundedness).</summary>
    public int Addresses
    {
        get
        {
            lock (gate)
            {
                return perAddress.Count;
            }
        }
    }
}
