using Gatehouse.Cluster.V1;
using Gatehouse.Node.Scanning;
using Microsoft.Extensions.Time.Testing;
using Polly.CircuitBreaker;

namespace Gatehouse.Node.Tests.Scanning;

/// <summary>A scanner that fails half of its scans (three or more) is left alone for thirty seconds, then tried once more.</summary>
public sealed class ScannerCircuitsTests
{
    private static readonly ContentScanner Spam = new() { Name = "Spam", Type = ScannerType.Rspamd, Address = "127.0.0.1:11333" };

    [Fact]
    public async Task Three_failures_open_the_circuit_which_a_success_after_the_break_closes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var states = new List<(string, bool)>();
        var opened = new List<(string, string)>();
        var circuits = new ScannerCircuits(time, (name, up) => states.Add((name, up)), (name, reason) => opened.Add((name, reason)));
        var calls = 0;
        Task<int> Failing(CancellationToken _)
        {
            calls++;
            throw new IOException("Connection refused");
        }

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<IOException>(() => circuits.RunAsync(Spam, Failing, default));
        }

        Assert.Equal(("Spam", false), states[^1]);
        Assert.False(circuits.IsUp("Spam"));
        Assert.Equal([("Spam", "Connection refused")], opened);
        // Open: not even tried.
        await Assert.ThrowsAsync<BrokenCircuitException>(() => circuits.RunAsync(Spam, Failing, default));
        Assert.Equal(3, calls);
        // A scanner of another name or address has a circuit of its own.
        Assert.Equal(1, await circuits.RunAsync(new ContentScanner(Spam) { Address = "127.0.0.2:11333" }, _ => Task.FromResult(1), default));

        time.Advance(ScannerCircuits.BreakDuration + TimeSpan.FromSeconds(1));
        Assert.Equal(2, await circuits.RunAsync(Spam, _ => Task.FromResult(2), default));
        Assert.Equal(("Spam", true), states[^1]);
        Assert.True(circuits.IsUp("Spam"));
    }

    [Fact]
    public async Task A_message_over_the_scanners_limit_does_not_count_against_it()
    {
        var circuits = new ScannerCircuits(new FakeTimeProvider(), (_, _) => { });
        for (var i = 0; i < 5; i++)
        {
            await Assert.ThrowsAsync<NoVerdictException>(() => circuits.RunAsync<int>(Spam, _ => throw new NoVerdictException("size limit exceeded"), default));
        }

        Assert.Equal(3, await circuits.RunAsync(Spam, _ => Task.FromResult(3), default));
    }
}
