using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Gatehouse.Cluster;
using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.Api;
using Gatehouse.ClusterManager.Certificates;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Gui;
using Gatehouse.ClusterManager.Nodes;
using Gatehouse.ClusterManager.Runtime;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Files;
using Gatehouse.Jobs;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Gatehouse.ClusterManager.Hosting;

/// <summary>
/// <c>gatehouse-manager serve</c>: one HTTPS endpoint for the node gRPC service (mutual TLS),
/// the admin REST API (bearer token) and the web GUI (login), all under the cluster CA's
/// server certificate.
/// </summary>
internal static partial class ManagerServer
{
    public static async Task<int> RunAsync(string dataDir, IPEndPoint listen, RedisLocation? store, CancellationToken cancel)
    {
        await using var manager = await BuildAsync(dataDir, listen, store);
        var app = manager.App;
        await InitializeAsync(app.Services, TimeProvider.System);
        await app.StartAsync(cancel);
        var url = $"https://{FormatHost(manager.Endpoint)}";
        await AtomicFile.WriteAsync(manager.Paths.Endpoint, System.Text.Encoding.ASCII.GetBytes(url + "\n"), cancel: cancel);
        LogListening(app.Logger, url, manager.Paths.DataDir);
        await app.WaitForShutdownAsync(cancel);
        return 0;
    }

    /// <summary>The manager's web application, built and not started, with what it holds open.</summary>
    public static async Task<ManagerHost> BuildAsync(string dataDir, IPEndPoint endpoint, RedisLocation? store)
    {
        var paths = new ManagerPaths(Path.GetFullPath(dataDir));
        Directory.CreateDirectory(paths.DataDir);
        var time = TimeProvider.System;
        var opened = await OpenStoreAsync(paths, store);
        var ca = ClusterCa.LoadOrCreate(paths.DataDir, time);
        var serverCertificate = ca.IssueServer(
            ["localhost", Dns.GetHostName()], [endpoint.Address, IPAddress.Loopback, IPAddress.IPv6Loopback],
            new Uri($"https://{FormatHost(endpoint)}{ClusterCa.RevocationListPath}"), time);

        // Named, so that the GUI's pages are found in this assembly whoever hosts it.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ManagerServer).Assembly.GetName().Name });
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        // Under systemd: READY=1 once listening (Type=notify), STOPPING=1, and log lines with journald priorities.
        builder.Services.AddSystemd();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = StreamLimits.NodeToManager;
            grpc.MaxSendMessageSize = StreamLimits.ManagerToNode;
        });
        builder.Services.AddSingleton(time);
        builder.Services.AddSingleton<JobPeriods>();
        builder.Services.AddSingleton<IManagerStore>((IManagerStore)opened);
        builder.Services.AddSingleton(ca);
        builder.Services.AddSingleton(paths);
        var secrets = SecretBox.LoadOrCreate(paths.DataDir);
        builder.Services.AddSingleton(secrets);
        builder.Services.AddSingleton(AdminToken.LoadOrCreate(paths));
        builder.Services.AddSingleton<ApiTokens>();
        builder.Services.AddSingleton<AuditLog>();
        builder.Services.AddSingleton<VersionSignal>();
        builder.Services.AddSingleton<ConfigurationService>();
        builder.Services.AddSingleton<CertificateService>();
        builder.Services.AddSingleton<RevocationLists>();
        builder.Services.AddSingleton<Signing.SigningKeys>();
        builder.Services.AddSingleton<Signing.DkimPublication>();
        builder.Services.AddSingleton<InboundTlsCheck>();
        builder.Services.AddSingleton<ExpiryMonitor>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ExpiryMonitor>());
        builder.Services.AddSingleton<Alerts.NodeWatch>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Alerts.NodeWatch>());
        builder.Services.AddSingleton<Alerts.StoreWatch>();
        builder.Services.AddHostedService(services => services.GetRequiredService<Alerts.StoreWatch>());
        builder.Services.AddSingleton<Alerts.ManagerAlerts>();
        builder.Services.AddSingleton<Alerts.ClusterSightings>();
        builder.Services.AddSingleton<Nodes.ClusterStatus>();
        builder.Services.AddSingleton<Tracking.MessageTracking>();
        builder.Services.AddSingleton<Alerts.AlertDispatcher>();
        builder.Services.AddSingleton<TlsReports.TlsReporting>();
        builder.Services.AddHostedService(services => services.GetRequiredService<TlsReports.TlsReporting>());
        builder.Services.AddSingleton<DmarcReports.DmarcReporting>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DmarcReports.DmarcReporting>());
        builder.Services.AddHostedService(services => services.GetRequiredService<Alerts.AlertDispatcher>());
        builder.Services.AddSingleton<JoinTokens>();
        builder.Services.AddSingleton<JoinRefusals>();
        builder.Services.AddHostedService(services => services.GetRequiredService<JoinRefusals>());
        builder.Services.AddSingleton<JoinService>();
        builder.Services.AddSingleton<NodeAuthenticator>();
        builder.Services.AddSingleton<NodeConnections>();
        builder.Services.AddSingleton<NodeStatus>();
        builder.Services.AddSingleton<SnapshotBuilder>();
        builder.Services.AddSingleton<NodeStream>();
        builder.Services.AddSingleton<NodeStreamLimits>();
        builder.Services.AddSingleton(services => new NodeQueries(services.GetRequiredService<IManagerStore>() as IReplicaChannel));
        builder.Services.AddSingleton<SharedStsPolicies>();
        builder.Services.AddSingleton<HarvestRelay>();
        builder.Services.AddSingleton<QueueControl.ClusterQueue>();
        builder.Services.AddHostedService<StsPolicyPruning>();
        builder.Services.AddSingleton<NodeRemoval>();
        builder.Services.AddSingleton<NodeCertificateRenewal>();
        var certificates = new Func<IServiceProvider, ManagerCertificates>(services => services.GetRequiredService<ManagerCertificates>());
        builder.Services.AddSingleton<ManagerCertificates>();
        builder.Services.AddHostedService(certificates);
        builder.Services.AddGui();
        builder.Services.AddCookieKeys(paths, opened, secrets);
        builder.Services.AddAccessPolicies();
        builder.Services.AddRateLimits();
        ManagerCertificates? chooser = null;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(endpoint, options =>
        {
            options.Protocols = HttpProtocols.Http1AndHttp2;
            options.UseHttps(new TlsHandshakeCallbackOptions
            {
                OnConnection = context =>
                {
                    var offer = chooser!.Offer;
                    return ValueTask.FromResult(new SslServerAuthenticationOptions
                    {
                        ServerCertificateContext = chooser.Select(context.ClientHelloInfo.ServerName),
                        EnabledSslProtocols = offer.Protocols,
                        CipherSuitesPolicy = offer.Suites,
                        // Asked for, not demanded: node RPCs check the certificate themselves so that a
                        // refused node gets a clear message; admin clients come without one.
                        ClientCertificateRequired = true,
#pragma warning disable CA5359 // Not a server certificate check: client certificates are verified per endpoint (NodeCertificateHandler).
                        RemoteCertificateValidationCallback = (_, _, _, _) => true,
#pragma warning restore CA5359
                    });
                },
            });
        }));

        var app = builder.Build();
        chooser = app.Services.GetRequiredService<ManagerCertificates>();
        chooser.UseClusterCertificate(serverCertificate, ca.Certificate);
        if (opened is RedisStore shared)
        {
            var signal = app.Services.GetRequiredService<VersionSignal>();
            await shared.SubscribeToCommitsAsync(signal.Publish);
            await shared.SubscribeToRemovalsAsync(app.Services.GetRequiredService<NodeConnections>().Disconnect);
            await app.Services.GetRequiredService<NodeQueries>().ListenToReplicasAsync();
        }

        app.UseMiddleware<SecurityHeaders>();
        app.UseMiddleware<ApiErrors>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapGrpcService<NodeGrpcService>().RequireAuthorization(AccessPolicies.Node);
        // Public: a joining node checks this certificate against the pin in its token.
        app.MapGet(Cluster.Membership.CaPin.WellKnownPath, () => Results.Text(ca.CertificatePem, "application/x-pem-file"))
            .AllowAnonymous();
        app.MapGet(ClusterCa.RevocationListPath, async (IManagerStore revocations, TimeProvider clock) =>
            Results.Bytes(ca.RevocationList(await revocations.ListRevokedAsync(), clock.GetUtcNow()), "application/pkix-crl")).AllowAnonymous();
        AdminApi.Map(app);
        app.MapGui();
        app.MapGuiAssets();
        return new ManagerHost(app, paths, endpoint, [serverCertificate, ca, opened]);
    }

    // The embedded file store, or Redis shared by replicas (which share ca/, keys/ and admin.token too).
    private static async Task<IDisposable> OpenStoreAsync(ManagerPaths paths, RedisLocation? store) =>
        store is null ? new FileStore(paths.DataDir) : await RedisStore.ConnectAsync(store);

    // A new cluster starts at version 1 with the demo certificate and predefined policies; an
    // older one has its secrets of the first format encrypted again, bound to their places.
    internal static async Task InitializeAsync(IServiceProvider services, TimeProvider time)
    {
        var store = services.GetRequiredService<IManagerStore>();
        var upgraded = await store.RewriteContentAsync(services.GetRequiredService<SecretBox>().Upgrade);
        if (upgraded > 0)
        {
            await services.GetRequiredService<AuditLog>().RecordAsync("system", "secrets upgrade",
                $"secrets of {upgraded} stored versions and pending changes encrypted again, each bound to its level, entity and field");
        }

        if (await services.GetRequiredService<Gui.AdminUsers>().ImportLocalFileAsync(CancellationToken.None) is > 0 and var moved)
        {
            await services.GetRequiredService<AuditLog>().RecordAsync("system", "users import", $"{moved} GUI administrators moved from admin-users.json to the store");
        }

        if ((await store.GetLatestAsync()).Version > 0)
        {
            return;
        }

        var configuration = services.GetRequiredService<ConfigurationService>();
        const string Actor = "system";
        try
        {
            await configuration.StageLevelAsync(LevelTarget.Cluster, InitialConfiguration.Create(time), Actor, "initial configuration");
            var result = await configuration.CommitAsync("initial configuration", Actor);
            if (result.Version is null)
            {
                throw new InvalidOperationException($"initial configuration is invalid: {string.Join("; ", result.Errors)}");
            }
        }
        catch (ChangeRejectedException)
        {
            // Another replica may have made version 1 at the same time; otherwise this is real.
            if ((await store.GetLatestAsync()).Version == 0)
            {
                throw;
            }
        }
    }

    private static string FormatHost(IPEndPoint endpoint)
    {
        var address = endpoint.Address;
        if (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            address = IPAddress.Loopback;
        }

        return address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{endpoint.Port}" : $"{address}:{endpoint.Port}";
    }

    [LoggerMessage(1, LogLevel.Information, "Gatehouse manager listening on {Url}, data in {DataDir}")]
    private static partial void LogListening(ILogger logger, string url, string dataDir);
}
