using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Tls;
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
    // Destination controls resolved once per domain and version: the delivery path asks for
    // every message, and a version never changes. Bounded, so a flood of domains cannot grow it.
    private const int MaxResolvedDomains = 10_000;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DestinationControl> destinationControls = new(StringComparer.OrdinalIgnoreCase);

    private IReadOnlyList<RevocationList>? revocationLists;

    public LevelConfig Config => Effective.Config;

    /// <summary>The imported revocation lists, read once per version (the commit checked each).</summary>
    public IReadOnlyList<RevocationList> RevocationLists => revocationLists ??=
        [.. (Config.TrustedCas?.CrlPem ?? []).Select(pem => RevocationList.Parse(System.Text.Encoding.ASCII.GetBytes(pem)))];

    /// <summary>The destination control in force for <paramref name="domain"/> (OUT-2); shared, never to be changed.</summary>
    public DestinationControl DestinationControl(string domain) =>
        destinationControls.TryGetValue(domain, out var resolved) ? resolved
        : destinationControls.Count < MaxResolvedDomains ? destinationControls.GetOrAdd(domain, d => DestinationPolicy.For(Config, d))
        : DestinationPolicy.For(Config, domain);

    public ServerCertificate? Certificate(string name) => Certificates.GetValueOrDefault(name);

    /// <summary>The node's host name (machine-level <c>hostname</c>, else the operating system's).</summary>
    public string HostName => Config.Hostname.Length > 0 ? Config.Hostname : System.Net.Dns.GetHostName();
}
