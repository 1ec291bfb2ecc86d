using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Model;
using Gatehouse.Node.Tls;
using Microsoft.Extensions.Caching.Memory;

namespace Gatehouse.Node.UrlFiltering;

internal enum UrlVerdict
{
    Clean,
    Suspicious,
    Malicious,
    Unavailable,
}

/// <summary>The verdict of a whole message: the worst of its URLs, how many, and why.</summary>
internal sealed record MessageVerdict(UrlVerdict Verdict, int Urls, int Flagged, string Category, string Detail, bool Truncated = false)
{
    /// <summary>The header value: the verdict word, then facts the node computed (never text from outside).</summary>
    public string Header => Verdict switch
    {
        UrlVerdict.Unavailable => "unavailable",
        UrlVerdict.Clean => $"clean; urls={Urls}{TruncatedNote}",
        _ => $"{Verdict.ToString().ToLowerInvariant()}; urls={Urls}; flagged={Flagged}{(Category.Length > 0 ? $"; category={Category}" : "")}{TruncatedNote}",
    };

    private string TruncatedNote => Truncated ? "; truncated" : "";

    /// <summary>
    /// The verdict of a message with more URLs (or text) than were judged: at least what the admin
    /// takes such a message to be. A service that did not answer stays unavailable.
    /// </summary>
    public MessageVerdict WithTruncation(TooManyUrls taken)
    {
        var least = taken switch
        {
            TooManyUrls.Malicious => UrlVerdict.Malicious,
            TooManyUrls.AsJudged => UrlVerdict.Clean,
            _ => UrlVerdict.Suspicious,
        };
        return Verdict == UrlVerdict.Unavailable ? this with { Truncated = true }
            : this with { Verdict = Verdict > least ? Verdict : least, Truncated = true };
    }
}

/// <summary>
/// Asks the URL verdict service (SVC-3): <c>GET service_url + sha256(url)</c> over HTTPS with
/// the web security client certificate, the service verified against the trusted CAs and its
/// host name. 200 with <c>{"verdict": "clean|suspicious|malicious", "category": "…"}</c> is a
/// verdict, 404 is "nothing known" (clean); anything else, or no answer in time, makes the
/// service unavailable for that message. Verdicts are kept for the cache time.
/// </summary>
internal sealed class UrlVerdicts : IDisposable
{
    public const int CacheEntries = 100_000;
    private const int MaxAnswerBytes = 4096;
    private const int Parallel = 8;

    // Longer than any message's lookups may take (timeout_seconds is at most a minute).
    private static readonly TimeSpan MaxLookupTime = TimeSpan.FromMinutes(2);
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = CacheEntries, CompactionPercentage = 0.25 });
    private readonly Lock gate = new();
    private (long Version, HttpClient Client)? client;

    public async Task<MessageVerdict> JudgeAsync(NodeSnapshot snapshot, WebSecuritySettings settings, IReadOnlyList<string> urls, CancellationToken cancel)
    {
        if (urls.Count == 0)
        {
            return new MessageVerdict(UrlVerdict.Clean, 0, 0, "", "");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.TimeoutSeconds > 0 ? settings.TimeoutSeconds : 5));
        var http = ClientFor(snapshot, settings);
        var answers = new (UrlVerdict Verdict, string Category)[urls.Count];
        try
        {
            await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, urls.Count),
                new ParallelOptions { MaxDegreeOfParallelism = Parallel, CancellationToken = timeout.Token },
                async (i, token) => answers[i] = await LookupAsync(http, settings, urls[i], token));
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return Unavailable(urls.Count, $"no answer within {settings.TimeoutSeconds} s");
        }
        catch (ServiceUnavailableException e)
        {
            return Unavailable(urls.Count, e.Message);
        }

        var worst = answers.Max(a => a.Verdict);
        var flagged = answers.Where(a => a.Verdict == worst && worst != UrlVerdict.Clean).ToList();
        return new MessageVerdict(worst, urls.Count, flagged.Count, flagged.Select(a => a.Category).FirstOrDefault(c => c.Length > 0) ?? "", "");
    }

    public void Dispose()
    {
        cache.Dispose();
        client?.Client.Dispose();
    }

    private async Task<(UrlVerdict, string)> LookupAsync(HttpClient http, WebSecuritySettings settings, string url, CancellationToken cancel)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url)));
        var key = (settings.ServiceUrl, hash);
        if (cache.TryGetValue(key, out (UrlVerdict, string) hit))
        {
            return hit;
        }

        var answer = await AskAsync(http, new Uri(ServiceBase(settings), hash), cancel);
        var keep = TimeSpan.FromSeconds(settings.CacheSeconds > 0 ? settings.CacheSeconds : 300);
        cache.Set(key, answer, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = keep });
        return answer;
    }

    private static async Task<(UrlVerdict, string)> AskAsync(HttpClient http, Uri lookup, CancellationToken cancel)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.GetAsync(lookup, HttpCompletionOption.ResponseHeadersRead, cancel);
        }
        catch (HttpRequestException e)
        {
            throw new ServiceUnavailableException($"{lookup.Authority}: {e.GetBaseException().Message}");
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return (UrlVerdict.Clean, "");
            }

            if (response.StatusCode != HttpStatusCode.OK || response.Content.Headers.ContentLength > MaxAnswerBytes)
            {
                throw new ServiceUnavailableException($"{lookup.Authority} answered {(int)response.StatusCode}");
            }

            try
            {
                using var answer = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancel));
                var verdict = answer.RootElement.GetProperty("verdict").GetString() switch
                {
                    "clean" => UrlVerdict.Clean,
                    "suspicious" => UrlVerdict.Suspicious,
                    "malicious" => UrlVerdict.Malicious,
                    var other => throw new ServiceUnavailableException($"{lookup.Authority} gave an unknown verdict"),
                };
                var category = answer.RootElement.TryGetProperty("category", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString()! : "";
                return (verdict, Printable(category));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new ServiceUnavailableException($"{lookup.Authority} gave an answer that is not a verdict");
            }
        }
    }

    // One client per version: the certificate and trust of that version, connections reused between messages.
    private HttpClient ClientFor(NodeSnapshot snapshot, WebSecuritySettings settings)
    {
        lock (gate)
        {
            if (client is { } current && current.Version == snapshot.Version)
            {
                return current.Client;
            }

            var host = ServiceBase(settings).Host;
            var handler = new SocketsHttpHandler
            {
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
                MaxConnectionsPerServer = Parallel,
                AllowAutoRedirect = false,
                UseProxy = false,
                SslOptions = new SslClientAuthenticationOptions
                {
                    ClientCertificateContext = snapshot.Certificate(settings.ClientCertificate)?.Context,
                    RemoteCertificateValidationCallback = (_, presented, chain, _) =>
                        PeerVerification.Problem(presented, chain, snapshot.TrustedCas, [host]) is null,
                },
            };
            var created = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan, MaxResponseContentBufferSize = MaxAnswerBytes };
            // Lookups of the previous version may still be under way on the client replaced: it
            // is disposed once the longest of them is over, not under them.
            if (client is { Client: var previous })
            {
                _ = Task.Delay(MaxLookupTime).ContinueWith(_ => previous.Dispose(), TaskScheduler.Default);
            }

            client = (snapshot.Version, created);
            return created;
        }
    }

    private static Uri ServiceBase(WebSecuritySettings settings) =>
        new(settings.ServiceUrl.EndsWith('/') ? settings.ServiceUrl : settings.ServiceUrl + "/");

    // A category from outside goes into a header: letters, digits, '-' and '_' only, bounded.
    private static string Printable(string category) =>
        new([.. category.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_').Take(64)]);

    private static MessageVerdict Unavailable(int urls, string why) => new(UrlVerdict.Unavailable, urls, 0, "", why);

    private sealed class ServiceUnavailableException(string message) : Exception(message);
}
