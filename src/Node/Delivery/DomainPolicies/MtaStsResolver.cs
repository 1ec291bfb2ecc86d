using Gatehouse.Cluster.MtaSts;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DnsClient;
using Gatehouse.Configuration.Files;
using Gatehouse.Node.Dns;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Model;

namespace Gatehouse.Node.Delivery.DomainPolicies;

/// <summary>What the node knows of a domain's MTA-STS policy: the policy in force (null when none) and what went wrong finding it.</summary>
internal sealed record MtaStsLookup(MtaStsPolicy? Policy, string? Problem);

/// <summary>
/// Finds a domain's MTA-STS policy (RFC 8461 §3, §5): the <c>_mta-sts</c> TXT record gives the
/// policy's id; a policy already held under that id and still within its <c>max_age</c> is used
/// as it is, else it is fetched over HTTPS from <c>mta-sts.DOMAIN</c> — the certificate
/// verified against the node's trusted CAs for that name, no redirects, at most 64 KB,
/// <c>text/plain</c>. A policy held and not expired still applies when the TXT record or the
/// fetch fails (that is what keeps a downgrade attacker out). Policies are kept in
/// <c>DATA/state/mta-sts/</c>, so a restart neither forgets nor refetches them, and shared with
/// the cluster's other nodes through the manager (see the Sharing part).
/// </summary>
internal sealed partial class MtaStsResolver(DnsClients dns, string directory, TimeProvider time, MailLog log, Reporting.TlsSessionRecorder sessions)
{
    private const int MaxPolicyBytes = 64 * 1024;
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(30);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, MtaStsPolicy> held = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="fetchOwn">Take no policy learned from another node under the current id: fetch it here.</param>
    public async Task<MtaStsLookup> ResolveAsync(string domain, NodeSnapshot snapshot, CancellationToken cancel, bool fetchOwn = false)
    {
        var now = time.GetUtcNow();
        var current = Held(domain) is { } h && h.ExpiresAt > now ? h : null;
        var (id, txtProblem) = await PolicyIdAsync(domain, cancel);
        if (id is null)
        {
            return new MtaStsLookup(current, txtProblem);
        }

        if (current is not null && current.Id == id && !(fetchOwn && current.Learned))
        {
            return new MtaStsLookup(current, null);
        }

        try
        {
            var fetched = MtaStsPolicy.Parse(await FetchAsync(domain, snapshot, cancel), id, now);
            Keep(domain, fetched);
            Share(domain, fetched);
            log.MtaStsPolicyFetched(domain, fetched.Describe());
            return new MtaStsLookup(fetched, null);
        }
        catch (Exception e) when (e is HttpRequestException or FormatException or IOException or TaskCanceledException or SocketException || (e is OperationCanceledException && !cancel.IsCancellationRequested))
        {
            var problem = $"policy fetch from mta-sts.{domain} failed: {e.Message}";
            log.MtaStsPolicyFailed(domain, problem);
            // For the domain's TLS report (RFC 8460 §4.3.2.3): the policy could not be had.
            var resultType = e switch
            {
                FormatException => "sts-policy-invalid",
                HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException } => "sts-webpki-invalid",
                _ => "sts-policy-fetch-error",
            };
            sessions.Failure(new Gatehouse.Cluster.TlsRpt.ReportedPolicy("no-policy-found", [], domain, []), resultType, null, $"mta-sts.{domain}", null);
            return new MtaStsLookup(current, problem);
        }
    }

    /// <summary>The id of the domain's single <c>v=STSv1</c> TXT record; null with why when there is none usable.</summary>
    private async Task<(string? Id, string? Problem)> PolicyIdAsync(string domain, CancellationToken cancel)
    {
        IDnsQueryResponse answer;
        try
        {
            answer = await dns.Current().QueryAsync($"_mta-sts.{domain}", QueryType.TXT, cancellationToken: cancel);
        }
        catch (DnsResponseException e)
        {
            return (null, $"TXT lookup for _mta-sts.{domain} failed: {e.Message}");
        }

        if (answer.HasError && answer.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            return (null, $"TXT lookup for _mta-sts.{domain} failed: {answer.ErrorMessage}");
        }

        var records = answer.Answers.TxtRecords().Select(r => string.Concat(r.Text))
            .Where(t => t.StartsWith("v=STSv1", StringComparison.Ordinal)).ToList();
        if (records.Count != 1)
        {
            return (null, records.Count == 0 ? null : $"_mta-sts.{domain} has {records.Count} STSv1 records, not one");
        }

        var id = IdField().Match(records[0]);
        return id.Success ? (id.Groups["id"].Value, null) : (null, $"_mta-sts.{domain} has no valid id");
    }

    private async Task<string> FetchAsync(string domain, NodeSnapshot snapshot, CancellationToken cancel)
    {
        var host = $"mta-sts.{domain}";
        using var http = PublishedHttps.Client(dns, snapshot, host, MaxPolicyBytes, FetchTimeout);
        // Read whole (not headers first): only then does HttpClient hold the body to MaxResponseContentBufferSize.
        using var response = await http.GetAsync(new Uri($"https://{host}/.well-known/mta-sts.txt"), cancel);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}, not 200");
        }

        if (response.Content.Headers.ContentType?.MediaType is not "text/plain")
        {
            var type = response.Content.Headers.ContentType?.MediaType ?? "missing";
            throw new FormatException($"content type {type[..Math.Min(type.Length, 64)]}, not text/plain");
        }

        var body = await response.Content.ReadAsByteArrayAsync(cancel);
        return Encoding.UTF8.GetString(body);
    }

    private MtaStsPolicy? Held(string domain)
    {
        if (held.TryGetValue(domain, out var policy))
        {
            return policy;
        }

        var path = PathOf(domain);
        try
        {
            return path is not null && File.Exists(path) && JsonSerializer.Deserialize<MtaStsPolicy>(File.ReadAllBytes(path), Json) is { } stored ? held.GetOrAdd(domain, stored) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private void Keep(string domain, MtaStsPolicy policy)
    {
        held[domain] = policy;
        if (PathOf(domain) is { } path)
        {
            Directory.CreateDirectory(directory);
            AtomicFile.Write(path, JsonSerializer.SerializeToUtf8Bytes(policy, Json), privateFile: true);
        }
    }

    // Domains come from recipients: only a plain host name becomes a file name.
    private string? PathOf(string domain) => DomainName().IsMatch(domain) ? Path.Combine(directory, $"{domain.ToLowerInvariant()}.json") : null;

    [GeneratedRegex(@"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})\z")]
    private static partial Regex DomainName();

    [GeneratedRegex(@"(^|;)\s*id=(?<id>[A-Za-z0-9]{1,32})\s*(;|$)")]
    private static partial Regex IdField();
}
