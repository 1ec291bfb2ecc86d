using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Model;

/// <summary>
/// The configuration the node runs: one committed version, merged and validated. Immutable;
/// a session or delivery reads one snapshot from start to end, a new one is swapped in whole.
/// </summary>
internal sealed record NodeSnapshot(
    long Version, DateTimeOffset CommittedAt, EffectiveConfig Effective, Snapshot Source,
    IReadOnlyDictionary<string, ServerCertificate> Certificates,
    System.Security.Cryptography.X509Certificates.X509Certificate2Collection TrustedCas)
{
    public LevelConfig Config => Effective.Config;

    public ServerCertificate? Certificate(string name) => Certificates.GetValueOrDefault(name);

    /// <summary>The node's host name (machine-level <c>hostname</c>, else the operating system's).</summary>
    public string HostName => Config.Hostname.Length > 0 ? Config.Hostname : System.Net.Dns.GetHostName();
}
