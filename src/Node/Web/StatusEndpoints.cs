using System.Security.Cryptography;
using System.Text;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Tls;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Model;
using Gatehouse.Node.Queue;
using Gatehouse.Node.Runtime;
using Gatehouse.Node.Smtp;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Web;

/// <summary>
/// What the node's HTTPS serves: <c>/healthz</c> (the process answers) and <c>/readyz</c> (a
/// version applied and every listener bound) to anyone; <c>/status</c> and <c>/metrics</c>
/// only to a reader the interface allows — its bearer token, a client certificate that chains
/// to the trusted CAs, or anyone when it says so. Routes match in any letter case, and the
/// access check is inside each handler, so no spelling of a path skips it.
/// </summary>
internal sealed class StatusEndpoints(
    CurrentConfig config, ListenerHost listeners, QueueCensus census, NodeMetrics metrics, NodeStatusFile status, NodeIdentity identity, TimeProvider time,
    Scanning.ScannerCircuits scanners)
{
    public void Map(WebApplication app)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => Ready() is { } why
            ? Results.Text($"not ready: {why}\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ready\n"));
        app.MapGet("/status", (HttpContext http) => Allowed(http) ? Results.Json(Status()) : Refused(http));
        app.MapGet("/metrics", async (HttpContext http) =>
        {
            if (!Allowed(http))
            {
                await Refused(http).ExecuteAsync(http);
                return;
            }

            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.Registry.CollectAndExportAsTextAsync(http.Response.Body, http.RequestAborted);
        });
    }

    private string? Ready()
    {
        var snapshot = config.Snapshot;
        return snapshot is null ? "no configuration applied yet"
            : !listeners.Serves(snapshot.Config) ? "not every listener is bound"
            : null;
    }

    private bool Allowed(HttpContext http)
    {
        var snapshot = config.Snapshot;
        var local = http.Connection.LocalIpAddress;
        var https = snapshot?.Config.IpInterfaces
            .FirstOrDefault(i => i.Https is { Enabled: true } && i.Https.Port == http.Connection.LocalPort
                && System.Net.IPAddress.TryParse(i.Address, out var address) && address.Equals(local))?.Https;
        if (snapshot is null || https is null)
        {
            return false;
        }

        return https.AnonymousRead || TokenMatches(http, https) || CertificateTrusted(http, https, snapshot.RevocationLists);
    }

    private static bool TokenMatches(HttpContext http, HttpsService https)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (https.ReadToken.Length == 0 || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Compared as hashes, in fixed time: neither length nor content leaks through timing.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim())), SHA256.HashData(Encoding.UTF8.GetBytes(https.ReadToken)));
    }

    private static bool CertificateTrusted(HttpContext http, HttpsService https, IReadOnlyList<RevocationList> revoked) =>
        http.Connection.ClientCertificate is { } presented && HttpsClientTrust.Problem(presented, https, [], revoked) is null;

    private static IResult Refused(HttpContext http)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Text("authentication required\n", statusCode: StatusCodes.Status401Unauthorized);
    }

    private object Status()
    {
        var snapshot = config.Snapshot!;
        var now = time.GetUtcNow();
        var queue = census.Count();
        var local = status.Current;
        return new
        {
            node = identity.Name,
            appliedVersion = snapshot.Version,
            committedAt = snapshot.CommittedAt,
            connectedToManager = local.Connected,
            lastError = local.LastError,
            ready = Ready() is null,
            listeners = listeners.Bound(snapshot.Config).Select(l => new
            {
                name = l.Listener.Name,
                @interface = l.Listener.Interface,
                port = l.Listener.Port,
                bound = l.Bound,
            }),
            queue = new
            {
                messages = queue.Messages,
                recipients = queue.Recipients,
                oldestAgeSeconds = queue.Oldest is { } oldest ? (long)(now - oldest).TotalSeconds : 0,
                domains = queue.Domains.OrderByDescending(d => d.Value.Recipients).Take(100).Select(d => new
                {
                    domain = d.Key,
                    recipients = d.Value.Recipients,
                    oldestAgeSeconds = (long)(now - d.Value.Oldest).TotalSeconds,
                }),
            },
            certificates = snapshot.Certificates.Values.Select(c => new { name = c.Name, notAfter = c.Leaf.NotAfter.ToUniversalTime() }),
            scanners = snapshot.Config.ContentScanners.Select(s => new { name = s.Name, type = s.Type.ToString().ToLowerInvariant(), address = s.Address, up = scanners.IsUp(s.Name) }),
        };
    }
}
