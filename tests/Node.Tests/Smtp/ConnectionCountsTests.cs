using System.Net;
using Gatehouse.Node.Smtp;

namespace Gatehouse.Node.Tests.Smtp;

public sealed class ConnectionCountsTests
{
    [Fact]
    public void Addresses_leave_the_table_with_their_last_connection()
    {
        var counts = new ConnectionCounts();
        var addresses = Enumerable.Range(0, 5000).Select(i => new IPAddress([10, 0, (byte)(i / 256), (byte)(i % 256)])).ToList();

        foreach (var address in addresses)
        {
            counts.Open(address);
        }

        Assert.Equal((5001, 2), counts.Open(addresses[7]));
        foreach (var address in addresses.Append(addresses[7]))
        {
            counts.Close(address);
        }

        Assert.Equal(0, counts.Addresses);
        Assert.Equal((1, 1), counts.Open(addresses[0]));
    }
}
