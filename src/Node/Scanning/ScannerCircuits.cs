using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;

namespace Gatehouse.Node.Scanning;

/// <summary>
/// A circuit breaker per content scanner: when at least half of its scans of the last thirty
/// seconds (three or more) got no verdict, the scanner is left alone for thirty seconds, so that
/// every message meanwhile goes to its on_failure at once instead of waiting out the timeout;
/// then one scan tries it again. Whether each scanner is up is a gauge of /metrics.
/// </summary>
/// <param name="up">Told each scanner's state by name: the /metrics gauge.</param>
/// <param name="opened">Told a scanner's name and last failure when its circuit opens: the cluster alert.</param>
internal sealed class ScannerCircuits(TimeProvider time, Action<string, bool> up, Action<string, string>? opened = null)
{
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, ResiliencePipeline> circuits = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> down = new(StringComparer.Ordinal);

    /// <summary>False while the scanner's circuit is open; true for one not tried yet (/status).</summary>
    public bool IsUp(string scanner) => !down.GetValueOrDefault(scanner);

    /// <summary>
    /// Runs one scan through the scanner's circuit (one per name, type and address, so that a
    /// changed address starts afresh); an open circuit throws <see cref="BrokenCircuitException"/> at once.
    /// </summary>
    public async Task<T> RunAsync<T>(Cluster.V1.ContentScanner scanner, Func<CancellationToken, Task<T>> scan, CancellationToken cancel)
    {
        var name = scanner.Name;
        var pipeline = circuits.GetOrAdd($"{name} {scanner.Type} {scanner.Address}", _ => new ResiliencePipelineBuilder { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<IOException>().Handle<System.Net.Sockets.SocketException>()
                    .Handle<FormatException>().Handle<System.Text.Json.JsonException>().Handle<OperationCanceledException>(),
                OnOpened = args =>
                {
                    Say(name, false);
                    opened?.Invoke(name, args.Outcome.Exception?.Message ?? "no verdict");
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ => { Say(name, true); return ValueTask.CompletedTask; },
            })
            .Build());
        var result = await pipeline.ExecuteAsync(async token => await scan(token), cancel);
        Say(name, true);
        return result;
    }

    private void Say(string name, bool isUp)
    {
        down[name] = !isUp;
        up(name, isUp);
    }
}
