using Gatehouse.Configuration.Validation;
using Gatehouse.Jobs;
using Gatehouse.Node.Alerts;
using Gatehouse.Node.Applying;
using Gatehouse.Node.Delivery;
using Gatehouse.Node.Dns;
using Gatehouse.Node.Ldap;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Model;
using Gatehouse.Node.Policy;
using Gatehouse.Node.Queue;
using Gatehouse.Node.Runtime;
using Gatehouse.Node.Smtp;
using Gatehouse.Node.Sync;
using Gatehouse.Node.Sync.Questions;
using Gatehouse.Node.Tracking;
using Gatehouse.Node.UrlFiltering;
using Gatehouse.Node.Web;

namespace Gatehouse.Node.Hosting;

/// <summary><c>gatehouse-node run</c>: start from the last good snapshot, then follow the manager.</summary>
internal static partial class NodeRunner
{
    public static async Task<int> RunAsync(NodePaths paths, CancellationToken cancel)
    {
        var identity = NodeIdentity.Load(paths);
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        // Under systemd: READY=1 once started (Type=notify), STOPPING=1, and log lines with journald priorities.
        builder.Services.AddSystemd();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<JobPeriods>();
        builder.Services.AddSingleton(identity);
        builder.Services.AddSingleton(paths);
        builder.Services.AddSingleton(SyncTimings.Default);
        builder.Services.AddSingleton<CurrentConfig>();
        builder.Services.AddSingleton<NodeStatusFile>();
        builder.Services.AddSingleton<SnapshotApplier>();
        builder.Services.AddSingleton<SyslogShipper>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SyslogShipper>());
        // Registered before the listeners and delivery, so it stops after them and keeps their last lines.
        builder.Services.AddSingleton(services => new MessageTracker(
            Path.Combine(paths.DataDir, "tracking"), services.GetRequiredService<CurrentConfig>(), TimeProvider.System, services.GetRequiredService<ILogger<MessageTracker>>()));
        builder.Services.AddHostedService(services => services.GetRequiredService<MessageTracker>());
        builder.Services.AddSingleton(services => new MailLog(
            Path.Combine(paths.DataDir, "logs"), services.GetRequiredService<CurrentConfig>(), TimeProvider.System, services.GetRequiredService<SyslogShipper>(), identity.Name,
            services.GetRequiredService<MessageTracker>()));
        builder.Services.AddSingleton(new MessageSpool(paths.Queue));
        builder.Services.AddSingleton(services => new SpoolSpace(paths.Queue, services.GetRequiredService<CurrentConfig>(), services.GetRequiredService<MailLog>()));
        builder.Services.AddHostedService<SpoolSweeper>();
        builder.Services.AddSingleton(new IdAllocator(Path.Combine(paths.DataDir, "state", ".next-icid")));
        builder.Services.AddSingleton<DnsClients>();
        builder.Services.AddSingleton(new Authentication.Dmarc.PublicSuffixList(Authentication.Dmarc.PublicSuffixList.DebianPath, TimeProvider.System));
        builder.Services.AddSingleton(_ => new Authentication.Dmarc.DmarcRecorder(paths.DmarcReports, TimeProvider.System));
        builder.Services.AddSingleton(services => new Scanning.ScannerCircuits(TimeProvider.System, services.GetRequiredService<NodeMetrics>().ScannerUp,
            // The alert goes its own way; a spool that cannot take it has said so in the mail log already.
            (scanner, reason) => services.GetRequiredService<AlertMailer>().ScannerDownAsync(scanner, reason, CancellationToken.None)
                .ContinueWith(failed => _ = failed.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default)));
        builder.Services.AddSingleton<ReverseDns>();
        builder.Services.AddSingleton<RecipientDirectory>();
        builder.Services.AddSingleton<InvalidRecipients>();
        builder.Services.AddSingleton<HarvestSharing>();
        builder.Services.AddSingleton<UrlVerdicts>();
        builder.Services.AddSingleton<SessionServices>();
        builder.Services.AddSingleton<OpenSessions>();
        builder.Services.AddSingleton<ListenerHost>();
        // The SMTP listeners drain their sessions first (system.smtp.drain_seconds).
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(SmtpLimits.MaxDrainSeconds + 30));
        builder.Services.AddSingleton<IConfigRule>(services => services.GetRequiredService<ListenerHost>());
        builder.Services.AddHostedService(services => services.GetRequiredService<ListenerHost>());
        builder.Services.AddSingleton<QueueCensus>();
        builder.Services.AddSingleton<NodeMetrics>();
        builder.Services.AddSingleton<NodeActivityReport>();
        builder.Services.AddSingleton<StatusEndpoints>();
        builder.Services.AddSingleton<NodeWebHost>();
        builder.Services.AddSingleton<IConfigRule>(services => services.GetRequiredService<NodeWebHost>());
        builder.Services.AddHostedService(services => services.GetRequiredService<NodeWebHost>());
        builder.Services.AddSingleton(services => new Delivery.DomainPolicies.MtaStsResolver(
            services.GetRequiredService<DnsClients>(), Path.Combine(paths.DataDir, "state", "mta-sts"), TimeProvider.System, services.GetRequiredService<MailLog>(),
            services.GetRequiredService<Delivery.Reporting.TlsSessionRecorder>()));
        builder.Services.AddSingleton<Delivery.DomainPolicies.DaneLookup>();
        // Made by the container, so that it is disposed (and the day written) when the node stops.
        builder.Services.AddSingleton(_ => new Delivery.Reporting.TlsSessionRecorder(paths.TlsReports, TimeProvider.System));
        builder.Services.AddSingleton(services => new TlsPolicyExplainer(
            services.GetRequiredService<DnsClients>(), services.GetRequiredService<Delivery.DomainPolicies.MtaStsResolver>(), services.GetRequiredService<Delivery.DomainPolicies.DaneLookup>(), TimeProvider.System));
        builder.Services.AddSingleton(services => new OutboundConnector(
            services.GetRequiredService<DnsClients>(), services.GetRequiredService<MailLog>(), services.GetRequiredService<NodeMetrics>(), new IdAllocator(Path.Combine(paths.DataDir, "state", ".next-dcid")),
            services.GetRequiredService<Delivery.DomainPolicies.MtaStsResolver>(), services.GetRequiredService<Delivery.DomainPolicies.DaneLookup>(),
            services.GetRequiredService<Delivery.Reporting.TlsSessionRecorder>()));
        builder.Services.AddSingleton<TlsVerifier>();
        builder.Services.AddSingleton(services => new Delivery.Reporting.TlsReportSender(
            services.GetRequiredService<DnsClients>(), services.GetRequiredService<CurrentConfig>(), services.GetRequiredService<MessageSpool>(), services.GetRequiredService<MailLog>(), TimeProvider.System));
        builder.Services.AddSingleton(services => new Delivery.Reporting.DmarcReportSender(
            services.GetRequiredService<DnsClients>(), services.GetRequiredService<CurrentConfig>(), services.GetRequiredService<MessageSpool>(), services.GetRequiredService<MailLog>(),
            services.GetRequiredService<Authentication.Dmarc.PublicSuffixList>(), TimeProvider.System));
        builder.Services.AddSingleton<AlertMailer>();
        builder.Services.AddSingleton<ManagerLink>();
        builder.Services.AddHostedService<QueueWatch>();
        builder.Services.AddSingleton<DeliveryQueue>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DeliveryQueue>());
        builder.Services.AddHostedService<ControlSocket>();
        ManagerQuestions.AddTo(builder.Services);
        builder.Services.AddHostedService<SyncClient>();
        builder.Services.AddHostedService<IdleMemoryTrim>();
        using var host = builder.Build();

        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("gatehouse-node");
        host.Services.GetRequiredService<NodeStatusFile>().Update(s => s with { Name = identity.Name, Connected = false });
        if (host.Services.GetRequiredService<SnapshotApplier>().TryStartFromLastGood())
        {
            LogStartedFromLastGood(logger, host.Services.GetRequiredService<CurrentConfig>().Version);
        }
        else
        {
            LogNoConfiguration(logger);
        }

        // 'gatehouse-node queue flush' signals the running node.
        using var flush = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            (System.Runtime.InteropServices.PosixSignal)DeliveryQueue.FlushSignal,
            context =>
            {
                context.Cancel = true;
                host.Services.GetRequiredService<DeliveryQueue>().DeliverNow();
            });
        await host.RunAsync(cancel);
        return Environment.ExitCode;
    }

    [LoggerMessage(1000, LogLevel.Information, "Started on the last good configuration, version {Version}")]
    private static partial void LogStartedFromLastGood(ILogger logger, long version);

    [LoggerMessage(1001, LogLevel.Information, "No configuration yet; waiting for the manager")]
    private static partial void LogNoConfiguration(ILogger logger);
}
