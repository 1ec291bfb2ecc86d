using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Tls;
using Gatehouse.Configuration.Validation;
using Gatehouse.Node.Model;
using Gatehouse.Node.Runtime;
using Gatehouse.Node.Tls;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gatehouse.Node.Web;

/// <summary>
/// The node's HTTPS service (SVC-1) on every interface whose <c>https.enabled</c> is set.
/// Each TLS handshake takes the certificate and client-certificate setting of the snapshot in
/// force, so a commit changes them without a restart while a connection in progress keeps
/// what it started with; only a change of addresses or ports restarts the server. It is also
/// a validation rule: a version whose new HTTPS endpoint cannot bind is refused.
/// </summary>
internal sealed partial class NodeWebHost(CurrentConfig config, StatusEndpoints endpoints, ILogger<NodeWebHost> logger)
    : BackgroundService, Applying.IPortRule
{
    private WebApplication? app;
    private List<(string Interface, IPEndPoint Endpoint)> serving = [];

    public void Check(EffectiveConfig effective, ValidationErrors errors)
    {
        foreach (var (name, endpoint) in Wanted(effective.Config).Where(w => !serving.Any(s => s.Endpoint.Equals(w.Endpoint))))
        {
            if (PortProbe.CannotListen(endpoint) is { } problem)
            {
                errors.Add($"ip_interfaces[{name}].https", problem);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var changed = config.Changed;
                await ReconcileAsync(stoppingToken);
                await changed.WaitAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            await StopServerAsync();
        }
    }

    private async Task ReconcileAsync(CancellationToken cancel)
    {
        var wanted = config.Snapshot is { } snapshot ? Wanted(snapshot.Config).ToList() : [];
        if (wanted.SequenceEqual(serving))
        {
            return;
        }

        await StopServerAsync();
        if (wanted.Count == 0)
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Limits.MaxConcurrentConnections = 256;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            foreach (var (name, endpoint) in wanted)
            {
                kestrel.Listen(endpoint, listen => listen.UseHttps(new TlsHandshakeCallbackOptions
                {
                    OnConnection = _ => ValueTask.FromResult(TlsOptions(name)),
                    HandshakeTimeout = TimeSpan.FromSeconds(10),
                }));
            }
        });
        var started = builder.Build();
        // Only text and JSON are served here: nothing to sniff, frame, cache or follow in clear.
        started.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.StrictTransportSecurity = "max-age=31536000";
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers.CacheControl = "no-store";
            headers["Referrer-Policy"] = "no-referrer";
            return next(context);
        });
        endpoints.Map(started);
        try
        {
            await started.StartAsync(cancel);
        }
        catch (Exception e) when (e is IOException or SocketException or InvalidOperationException)
        {
            LogStartFailed(logger, string.Join(", ", wanted.Select(w => w.Endpoint)), e.GetBaseException().Message);
            await started.DisposeAsync();
            return;
        }

        (app, serving) = (started, wanted);
        LogServing(logger, string.Join(", ", wanted.Select(w => $"{w.Interface} {w.Endpoint}")));
    }

    private async Task StopServerAsync()
    {
        if (app is null)
        {
            return;
        }

        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(grace.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await app.DisposeAsync();
        (app, serving) = (null, []);
    }

    /// <summary>The interface's certificate and client-certificate setting in the snapshot in force now.</summary>
    private SslServerAuthenticationOptions TlsOptions(string interfaceName)
    {
        var snapshot = config.Snapshot ?? throw new InvalidOperationException("no configuration");
        var https = snapshot.Config.IpInterfaces.FirstOrDefault(i => i.Name == interfaceName)?.Https
            ?? throw new InvalidOperationException($"interface {interfaceName} serves no HTTPS");
        var certificate = snapshot.Certificate(https.Certificate)
            ?? throw new InvalidOperationException($"certificate {https.Certificate} is not loaded");
        var offer = TlsPolicies.Offer(snapshot.Config.TlsPolicies, https.TlsPolicy);
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = certificate.Context,
            EnabledSslProtocols = offer.Protocols,
            CipherSuitesPolicy = offer.Suites,
            ClientCertificateRequired = https.AcceptClientCertificates,
            // No certificate is fine (health is anonymous); one the interface does not accept
            // ends the handshake.
            RemoteCertificateValidationCallback = (_, presented, chain, _) => presented is null
                || HttpsClientTrust.Problem(X509CertificateLoader.LoadCertificate(presented.GetRawCertData()), https,
                    chain?.ChainElements.Select(e => e.Certificate) ?? [], snapshot.RevocationLists) is null,
        };
    }

    private static IEnumerable<(string Interface, IPEndPoint Endpoint)> Wanted(LevelConfig config) =>
        config.IpInterfaces
            .Where(i => i.Https is { Enabled: true } && IPAddress.TryParse(i.Address, out _))
            .Select(i => (i.Name, new IPEndPoint(IPAddress.Parse(i.Address), (int)i.Https.Port)))
            .OrderBy(w => w.Name, StringComparer.Ordinal);

    [LoggerMessage(1700, LogLevel.Information, "HTTPS serving on {Endpoints}")]
    private static partial void LogServing(ILogger logger, string endpoints);

    [LoggerMessage(1701, LogLevel.Error, "HTTPS cannot serve on {Endpoints}: {Reason}")]
    private static partial void LogStartFailed(ILogger logger, string endpoints, string reason);
}
