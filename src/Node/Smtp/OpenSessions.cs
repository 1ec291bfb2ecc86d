using System.Collections.Concurrent;
using System.Net;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// The SMTP sessions in progress, so that a stop or a listener taken away by a new version
/// ends them in order: they may finish within the drain time; those still open then are told
/// <c>421 4.3.2</c> and closed, and a message half received is discarded, never queued.
/// </summary>
internal sealed class OpenSessions(TimeProvider time)
{
    private readonly ConcurrentDictionary<long, Entry> sessions = new();

    public int Count => sessions.Count;

    /// <summary>Registers a session, ended through its deadline when the drain time is over. Dispose when the session is over.</summary>
    public Entry Open(long icid, IPEndPoint endpoint, ReadDeadline deadline)
    {
        var entry = new Entry(this, icid, endpoint, deadline);
        sessions[icid] = entry;
        return entry;
    }

    /// <summary>
    /// Waits until the sessions (of <paramref name="endpoint"/>, or all) are over, at most
    /// <paramref name="deadline"/>; then ends those left and waits briefly for their goodbyes.
    /// </summary>
    public async Task DrainAsync(IPEndPoint? endpoint, TimeSpan deadline, CancellationToken abort)
    {
        var draining = sessions.Values.Where(s => endpoint is null || s.Endpoint.Equals(endpoint)).ToList();
        var over = Task.WhenAll(draining.Select(s => s.Done));
        await over.WaitAsync(deadline, time, abort).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var session in draining.Where(s => !s.Done.IsCompleted))
        {
            session.End();
        }

        await over.WaitAsync(TimeSpan.FromSeconds(5), time, abort).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    internal sealed class Entry(OpenSessions owner, long icid, IPEndPoint endpoint, ReadDeadline deadline) : IDisposable
    {
        private readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IPEndPoint Endpoint => endpoint;

        public Task Done => done.Task;

        public void End() => deadline.End();

        public void Dispose()
        {
            owner.sessions.TryRemove(icid, out _);
            done.TrySetResult();
        }
    }
}
