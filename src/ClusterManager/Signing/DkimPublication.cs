using System.Net;
using System.Text.RegularExpressions;
using DnsClient;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.Configuration.Dkim;

namespace Gatehouse.ClusterManager.Signing;

/// <summary>
/// Before a commit, whether each DKIM profile the commit adds or changes (a rotation to a new
/// selector or key) has its key published: the TXT record at <c>SELECTOR._domainkey.DOMAIN</c>,
/// asked of the cluster's resolvers (<c>system.dns_servers</c>, else the manager host's), must
/// carry the key's public half. Until it does, mail signed with it fails every verifier: the
/// commit warns, or with <c>--require-published</c> is refused.
/// </summary>
internal sealed partial class DkimPublication(ConfigurationService configuration)
{
    public async Task<IReadOnlyList<string>> UnpublishedAsync(CancellationToken cancel = default)
    {
        var staged = (await configuration.ReadStagedAsync(cancel)).Cluster ?? new LevelConfig();
        var committed = (await configuration.ReadCommittedAsync(cancel)).Cluster ?? new LevelConfig();
        var changed = staged.DkimProfiles.Where(p => !committed.DkimProfiles.Any(c => Same(c, p))).ToList();
        if (changed.Count == 0)
        {
            return [];
        }

        var dns = Client(staged);
        var findings = new List<string>();
        foreach (var profile in changed)
        {
            if (staged.SigningKeys.FirstOrDefault(k => k.Name.Equals(profile.Key, StringComparison.OrdinalIgnoreCase)) is not { } key)
            {
                continue;
            }

            DkimRecord expected;
            try
            {
                expected = DkimRecord.For(DkimKey.Read(key.PrivateKeyPem), profile.Domain, profile.Selector);
            }
            catch (FormatException)
            {
                continue;
            }

            if (await PublishedAsync(dns, expected, cancel) is { } missing)
            {
                findings.Add($"dkim_profiles[{profile.Name}]: {missing}; mail signed with it fails verification until it is: {expected.ZoneLine}");
            }
        }

        return findings;
    }

    private static bool Same(DkimProfile a, DkimProfile b) =>
        a.Name.Equals(b.Name, StringComparison.OrdinalIgnoreCase) && a.Domain.Equals(b.Domain, StringComparison.OrdinalIgnoreCase)
        && a.Selector.Equals(b.Selector, StringComparison.OrdinalIgnoreCase) && a.Key.Equals(b.Key, StringComparison.OrdinalIgnoreCase);

    // Null when the record carries the key; else what is wrong.
    private static async Task<string?> PublishedAsync(LookupClient dns, DkimRecord expected, CancellationToken cancel)
    {
        var name = expected.Name.TrimEnd('.');
        IDnsQueryResponse response;
        try
        {
            response = await dns.QueryAsync(name, QueryType.TXT, QueryClass.IN, cancel);
        }
        catch (DnsResponseException e)
        {
            return $"{name} could not be looked up ({e.Code})";
        }

        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            return $"{name} could not be looked up ({response.Header.ResponseCode})";
        }

        var published = response.Answers.TxtRecords().Select(r => KeyOf(string.Concat(r.Text))).ToList();
        return published.Contains(KeyOf(expected.Value)) ? null
            : published.Count == 0 ? $"{name} has no TXT record yet"
            : $"{name} publishes another key";
    }

    // The p= value, whitespace dropped (a record may be folded anywhere).
    private static string? KeyOf(string record) =>
        KeyTag().Match(record) is { Success: true } match ? string.Concat(match.Groups[1].Value.Where(c => !char.IsWhiteSpace(c))) : null;

    private static LookupClient Client(LevelConfig cluster)
    {
        var servers = (cluster.System?.DnsServers ?? []).Select(s => IPEndPoint.TryParse(s, out var e) ? new NameServer(e.Port == 0 ? new IPEndPoint(e.Address, 53) : e) : null)
            .OfType<NameServer>().ToArray();
        var options = servers.Length == 0 ? new LookupClientOptions() : new LookupClientOptions(servers);
        options.UseCache = false;
        options.Timeout = TimeSpan.FromSeconds(3);
        options.Retries = 1;
        options.ThrowDnsErrors = false;
        return new LookupClient(options);
    }

    [GeneratedRegex(@"(?:^|;)\s*p\s*=([^;]*)")]
    private static partial Regex KeyTag();
}
