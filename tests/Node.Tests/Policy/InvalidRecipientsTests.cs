using System.Net;
using Gatehouse.Node.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Node.Tests.Policy;

/// <summary>DHAP counts each client's refused recipients over a sliding hour, in a bounded table.</summary>
public sealed class InvalidRecipientsTests
{
    private static readonly IPAddress Harvester = IPAddress.Parse("192.0.2.7");

    [Fact]
    public void A_clients_refusals_count_for_an_hour_and_then_fall_away_minute_by_minute()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-07T10:00:30Z", System.Globalization.CultureInfo.InvariantCulture));
        var counts = new InvalidRecipients(clock);
        Assert.Equal(1, counts.Add(Harvester));
        Assert.Equal(2, counts.Add(Harvester));
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(3, counts.Add(Harvester));
        Assert.Equal(0, counts.Count(IPAddress.Parse("192.0.2.8")));

        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(3, counts.Count(Harvester));
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, counts.Count(Harvester));
        clock.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(0, counts.Count(Harvester));
    }

    [Fact]
    public void Past_the_table_size_the_quietest_clients_are_forgotten_first()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(1));
        var counts = new InvalidRecipients(clock);
        counts.Add(Harvester);
        clock.Advance(TimeSpan.FromMinutes(1));
        for (var i = 0; i < InvalidRecipients.MaxClients; i++)
        {
            counts.Add(new IPAddress(0x0A000000u + (uint)i));
        }

        // The harvester was quietest: it went with the first tenth.
        Assert.Equal(0, counts.Count(Harvester));
        Assert.Equal(1, counts.Count(new IPAddress(0x0A000000u + (uint)(InvalidRecipients.MaxClients - 1))));
    }

    [Fact]
    public void What_this_node_refused_is_reported_once_and_what_others_refused_counts_without_being_reported_again()
    {
        var counts = new InvalidRecipients(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(1)));
        counts.Add(Harvester);
        counts.Add(Harvester);
        counts.AddElsewhere(Harvester, 5);
        counts.AddElsewhere(IPAddress.Parse("192.0.2.8"), int.MaxValue);
        counts.AddElsewhere(IPAddress.Parse("192.0.2.8"), int.MaxValue);

        Assert.Equal(7, counts.Count(Harvester));
        Assert.Equal(int.MaxValue, counts.Count(IPAddress.Parse("192.0.2.8")));
        Assert.Equal(new Dictionary<IPAddress, uint> { [Harvester] = 2 }, counts.TakeUnreported());
        Assert.Empty(counts.TakeUnreported());
    }

    [Fact]
    public void A_flood_of_new_addresses_waits_to_be_reported_in_a_bounded_table_while_known_ones_keep_counting()
    {
        var counts = new InvalidRecipients(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddDays(1)));
        counts.Add(Harvester);
        for (var i = 0; i < InvalidRecipients.MaxUnreported * 2; i++)
        {
            counts.Add(new IPAddress(0x0A000000u + (uint)i));
        }

        counts.Add(Harvester);
        var taken = counts.TakeUnreported();
        Assert.Equal(InvalidRecipients.MaxUnreported, taken.Count);
        Assert.Equal(2u, taken[Harvester]);
    }
}
