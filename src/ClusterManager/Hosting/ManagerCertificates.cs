using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Matching;
using Gatehouse.Configuration.Tls;

namespace Gatehouse.ClusterManager.Hosting;

/// <summary>
/// Which certificate the manager's HTTPS presents (SVC-1): the managed certificate chosen as
/// <c>manager.https_certificate</c> to a client that asks for one of its names (SNI) — the
/// admin's browser or CLI at the GUI's name — and the certificate the cluster CA issued to
/// everyone else, so nodes, which pin the cluster CA, are never shown another; and the TLS
/// policy chosen as <c>manager.tls_policy</c>. Follows the committed version on every replica,
/// without a restart.
/// </summary>
internal sealed partial class ManagerCertificates(
    IManagerStore store, SecretBox secrets, VersionSignal signal, ILogger<ManagerCertificates> logger) : BackgroundService
{
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(30);
    private SslStreamCertificateContext? cluster;
    private Managed? chosen;
    private TlsOffer offer = TlsPolicies.Offer(TlsPolicies.BuiltInDefault);

    /// <summary>The protocols and suites the manager's HTTPS offers.</summary>
    public TlsOffer Offer => Volatile.Read(ref offer);

    /// <summary>The cluster CA's certificate for the manager, with the CA as its chain.</summary>
    public void UseClusterCertificate(X509Certificate2 certificate, X509Certificate2 ca) =>
        cluster = SslStreamCertificateContext.Create(certificate, [ca], offline: true);

    public SslStreamCertificateContext Select(string? serverName)
    {
        var managed = Volatile.Read(ref chosen);
        return managed is not null && !string.IsNullOrEmpty(serverName) && HostNames.Matches(managed.Leaf, serverName)
            ? managed.Context
            : cluster ?? throw new InvalidOperationException("the manager's certificate is not loaded");
    }

    public async Task RefreshAsync(CancellationToken cancel)
    {
        var latest = await store.GetLatestAsync(cancel);
        var name = latest.Content.Cluster?.Manager?.HttpsCertificate ?? "";
        Volatile.Write(ref offer, TlsPolicies.Offer(latest.Content.Cluster?.TlsPolicies ?? [], latest.Content.Cluster?.Manager?.TlsPolicy ?? ""));
        if (Volatile.Read(ref chosen)?.Version == latest.Version)
        {
            return;
        }

        var entry = name.Length == 0 ? null : latest.Content.Cluster!.Certificates.FirstOrDefault(c => c.Name == name);
        if (entry is null)
        {
            Volatile.Write(ref chosen, null);
            return;
        }

        var open = secrets.Open(new Cluster.V1.LevelConfig { Certificates = { entry } }, machine: null).Certificates[0];
        using var loaded = X509Certificate2.CreateFromPem(open.CertificatePem, open.PrivateKeyPem);
        // Exported and read again so that the key is usable for TLS servers on every platform.
        var leaf = X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
        var intermediates = open.IntermediatesPem.Select(pem => X509Certificate2.CreateFromPem(pem)).ToArray();
        Volatile.Write(ref chosen, new Managed(latest.Version, leaf, SslStreamCertificateContext.Create(leaf, [.. intermediates], offline: true)));
        LogChosen(logger, name, latest.Version);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = signal.Next();
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is StoreException or IOException or CryptographicException)
            {
                LogRefreshFailed(logger, e.Message);
            }

            await VersionSignal.WaitAsync(next, Recheck, stoppingToken);
        }
    }

    private sealed record Managed(long Version, X509Certificate2 Leaf, SslStreamCertificateContext Context);

    [LoggerMessage(700, LogLevel.Information, "HTTPS presents certificate {Name} to clients that ask for its names (version {Version})")]
    private static partial void LogChosen(ILogger logger, string name, long version);

    [LoggerMessage(701, LogLevel.Error, "The manager's HTTPS certificate could not be loaded: {Reason}")]
    private static partial void LogRefreshFailed(ILogger logger, string reason);
}
