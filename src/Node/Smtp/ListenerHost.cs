using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Validation;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Model;
using Gatehouse.Node.Policy;
using Gatehouse.Node.Queue;
using Gatehouse.Node.Runtime;

namespace Gatehouse.Node.Smtp;

/// <summary>
/// Runs the SMTP listeners of the current configuration (IN-1): starts, stops and changes
/// them as versions are applied, without a restart. A session keeps the snapshot it was
/// accepted with; a listener that goes away stops accepting while its sessions finish.
/// It is also a validation rule: a version whose new listener cannot bind is refused.
/// </summary>
internal sealed partial class ListenerHost(
    CurrentConfig config, SessionServices services, ReverseDns reverseDns, IdAllocator icids, OpenSessions sessions, Alerts.AlertMailer alerts,
    ILogger<ListenerHost> logger) : BackgroundService, Applying.IPortRule
{
    private readonly ConcurrentDictionary<IPEndPoint, Socket> bound = new();
    private readonly MailLog log = services.Log;
    private readonly NodeMetrics metrics = services.Metrics;
    private readonly TimeProvider time = services.Time;
    private readonly ConnectionCounts connections = new();
    private CancellationToken stopping;

    public IReadOnlyCollection<IPEndPoint> Endpoints => [.. bound.Keys];

    /// <summary>Whether every listener of the configuration is bound (readiness).</summary>
    public bool Serves(LevelConfig wanted) => Bound(wanted).All(b => b.Bound);

    /// <summary>Each listener of the configuration, and whether it is bound now.</summary>
    public IEnumerable<(Listener Listener, bool Bound)> Bound(LevelConfig wanted) =>
        Wanted(wanted).Select(w => (w.Listener, bound.ContainsKey(w.Endpoint)));

    public void Check(EffectiveConfig effective, ValidationErrors errors)
    {
        foreach (var (listener, endpoint) in Wanted(effective.Config))
        {
            if (bound.ContainsKey(endpoint))
            {
                continue;
            }

            if (PortProbe.CannotListen(endpoint) is { } problem)
            {
                errors.Add($"listeners[{listener.Name}]", problem);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        stopping = stoppingToken;
        while (!stoppingToken.IsCancellationRequested)
        {
            var changed = config.Changed;
            Reconcile();
            await Task.WhenAny(changed, Task.Delay(Timeout.Infinite, stoppingToken));
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var socket in bound.Values)
        {
            socket.Dispose();
        }

        bound.Clear();
        // No new connections; those in progress may finish (a node restarted for an upgrade
        // never cuts a transaction in half), within the drain time.
        if (sessions.Count > 0)
        {
            LogDraining(logger, sessions.Count);
            await sessions.DrainAsync(null, DrainTime(), cancellationToken);
        }

        await base.StopAsync(cancellationToken);
    }

    private void Reconcile()
    {
        var snapshot = config.Snapshot;
        var wanted = snapshot is null ? [] : Wanted(snapshot.Config).ToDictionary(w => w.Endpoint, w => w.Listener);
        foreach (var endpoint in bound.Keys.Where(e => !wanted.ContainsKey(e)))
        {
            if (bound.TryRemove(endpoint, out var socket))
            {
                socket.Dispose();
                LogStopped(logger, endpoint.ToString());
                _ = sessions.DrainAsync(endpoint, DrainTime(), stopping);
            }
        }

        foreach (var (endpoint, listener) in wanted.Where(w => !bound.ContainsKey(w.Key)))
        {
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                socket.Bind(endpoint);
                socket.Listen(512);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                LogBindFailed(logger, listener.Name, endpoint.ToString(), e.Message);
                _ = AlertBindFailedAsync(listener.Name, endpoint, e.Message);
                continue;
            }

            bound[endpoint] = socket;
            LogStarted(logger, listener.Name, endpoint.ToString());
            _ = AcceptAsync(endpoint, socket);
        }
    }

    // A version with a listener that cannot bind is refused; this is the port taken while the node
    // starts on a version it already applied.
    private async Task AlertBindFailedAsync(string listener, IPEndPoint endpoint, string reason)
    {
        try
        {
            await alerts.RaiseAsync(Cluster.V1.AlertClass.System, Cluster.V1.AlertSeverity.Critical, $"bind:{endpoint}",
                $"Listener {listener} cannot listen on {endpoint}: {reason}", stopping);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            LogBindAlertFailed(logger, listener, e.Message);
        }
    }

    private static IEnumerable<(Listener Listener, IPEndPoint Endpoint)> Wanted(LevelConfig config)
    {
        foreach (var listener in config.Listeners)
        {
            var iface = config.IpInterfaces.FirstOrDefault(i => i.Name == listener.Interface);
            if (iface is not null && IPAddress.TryParse(iface.Address, out var address))
            {
                yield return (listener, new IPEndPoint(address, (int)listener.Port));
            }
        }
    }

    private async Task AcceptAsync(IPEndPoint endpoint, Socket socket)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await socket.AcceptAsync(stopping);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
            {
                return; // The listener was removed, or the node stops.
            }
            catch (SocketException e)
            {
                // One failed accept (a connection reset while queued, no file descriptors left)
                // must not end the listener while it stays registered as bound.
                LogAcceptFailed(logger, endpoint.ToString(), e.SocketErrorCode.ToString());
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, CancellationToken.None);
                continue;
            }

            _ = HandleAsync(endpoint, client);
        }
    }

    // One catch-all at the connection boundary: a failing session never takes others down.
    private async Task HandleAsync(IPEndPoint endpoint, Socket client)
    {
        var remote = (IPEndPoint)client.RemoteEndPoint!;
        var snapshot = config.Snapshot!;
        var match = Wanted(snapshot.Config).FirstOrDefault(w => w.Endpoint.Equals(endpoint));
        if (match.Listener is null)
        {
            client.Dispose();
            return;
        }

        var icid = icids.Next();
        var (total, fromAddress) = connections.Open(remote.Address);
        metrics.ConnectionAccepted(match.Listener.Name);
        try
        {
            var limits = SmtpLimits.From(snapshot.Config.System?.Smtp);
            if (total > limits.MaxConnections)
            {
                // Before any DNS lookup or TLS: an overload costs as little as possible.
                metrics.Refused(match.Listener.Name, RefusalReason.ConnectionLimit);
                log.RefusedNodeConnectionLimit(icid, total, limits.MaxConnections, remote.Address);
                await client.SendAsync(System.Text.Encoding.ASCII.GetBytes(
                    new SmtpReply(SmtpCode.ServiceNotAvailable, "", $"{snapshot.HostName} Too many connections; try again later").Format(false)), stopping);
                return;
            }

            var iface = snapshot.Config.IpInterfaces.First(i => i.Name == match.Listener.Interface);
            var reverse = await reverseDns.LookupAsync(remote.Address, stopping);
            var access = HostAccess.Decide(snapshot.Config, match.Listener, remote.Address, reverse);
            log.NewConnection(icid, iface.Name, endpoint.Address, remote.Address, reverse.Host ?? "unknown", reverse.Verified ? "yes" : "no");
            log.ConnectionListener(icid, match.Listener.Name);
            log.HostAccessDecided(icid, Behavior(access.Policy.Behavior), access.Group, access.Match);
            if (access.Policy.Behavior is PolicyBehavior.Tcprefuse or PolicyBehavior.Reject)
            {
                metrics.Refused(match.Listener.Name, RefusalReason.HostAccess);
            }

            if (access.Policy.Behavior == PolicyBehavior.Tcprefuse)
            {
                return;
            }

            var stream = new ReadinessStream(new NetworkStream(client, ownsSocket: true));
            var context = new SessionContext(snapshot, match.Listener, iface, remote, icid, reverse, access, services);
            await using var transport = new SmtpTransport(stream, context.Limits);
            var limit = access.Policy.MaxConcurrentConnectionsPerIp;
            if (limit > 0 && fromAddress > limit)
            {
                metrics.Refused(match.Listener.Name, RefusalReason.ConnectionLimit);
                log.RefusedAddressConnectionLimit(icid, fromAddress, remote.Address, limit);
                transport.Queue(new SmtpReply(SmtpCode.ServiceNotAvailable, "", $"{context.HostName} Too many concurrent connections from your address").Format(false));
                await transport.FlushAsync(stopping);
                return;
            }

            using var deadline = new ReadDeadline(context.Limits);
            using var open = sessions.Open(icid, endpoint, deadline);
            await new SmtpSession(context, transport).RunAsync(deadline);
        }
        catch (Exception e)
        {
            LogSessionFailed(logger, icid, e);
        }
        finally
        {
            connections.Close(remote.Address);
            client.Dispose();
            log.ConnectionClosed(icid);
        }
    }

    private static string Behavior(PolicyBehavior behavior) => behavior.ToString().ToUpperInvariant();

    private TimeSpan DrainTime() => SmtpLimits.From(config.Snapshot?.Config.System?.Smtp).Drain;

    [LoggerMessage(1300, LogLevel.Information, "Stopping: {Count} SMTP sessions may finish first")]
    private static partial void LogDraining(ILogger logger, int count);

    [LoggerMessage(1301, LogLevel.Information, "Listener {Name} accepting on {Endpoint}")]
    private static partial void LogStarted(ILogger logger, string name, string endpoint);

    [LoggerMessage(1302, LogLevel.Information, "Listener on {Endpoint} stopped")]
    private static partial void LogStopped(ILogger logger, string endpoint);

    [LoggerMessage(1303, LogLevel.Error, "Listener {Name} cannot listen on {Endpoint}: {Reason}")]
    private static partial void LogBindFailed(ILogger logger, string name, string endpoint, string reason);

    [LoggerMessage(1304, LogLevel.Error, "The alert for listener {Name} not binding could not be queued: {Reason}")]
    private static partial void LogBindAlertFailed(ILogger logger, string name, string reason);

    [LoggerMessage(1305, LogLevel.Warning, "Listener on {Endpoint} failed to accept a connection ({Error}); accepting goes on")]
    private static partial void LogAcceptFailed(ILogger logger, string endpoint, string error);

    [LoggerMessage(1306, LogLevel.Error, "SMTP session ICID {Icid} failed")]
    private static partial void LogSessionFailed(ILogger logger, long icid, Exception exception);
}
