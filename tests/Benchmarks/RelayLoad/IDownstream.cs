using System.Collections.Concurrent;
using System.Net;

namespace Gatehouse.Benchmarks.RelayLoad;

/// <summary>What a relay's downstream saw of it so far.</summary>
/// <param name="Connections">Connections the relay opened.</param>
/// <param name="TlsSessions">TLS sessions established on them.</param>
/// <param name="FullHandshakes">Sessions that were not resumed; null where the downstream cannot tell.</param>
/// <param name="Idle">Connections closed without a message delivered.</param>
internal sealed record DownstreamCounts(int Connections, int TlsSessions, int? FullHandshakes, int Idle)
{
    public static DownstreamCounts operator -(DownstreamCounts a, DownstreamCounts b) =>
        new(a.Connections - b.Connections, a.TlsSessions - b.TlsSessions, a.FullHandshakes - b.FullHandshakes, a.Idle - b.Idle);
}

/// <summary>The far end of one relay in the benchmark: when each message arrived, by its Message-ID.</summary>
internal interface IDownstream : IAsyncDisposable
{
    IPEndPoint Endpoint { get; }

    /// <summary>Message-ID → <see cref="System.Diagnostics.Stopwatch"/> timestamp of its first arrival.</summary>
    ConcurrentDictionary<string, long> Arrivals { get; }

    /// <summary>Messages that arrived again with a Message-ID already seen.</summary>
    int Duplicates { get; }

    DownstreamCounts Counts { get; }
}
