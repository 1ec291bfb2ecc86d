using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gatehouse.ClusterManager.Acme;

/// <summary>
/// An RFC 8555 client for one account: the directory, nonces (a rejected nonce, badNonce, is
/// retried with the fresh one the refusal carries), the account (created or found by its key,
/// bound to an external account where the CA requires it, its key rolled over),
/// orders, authorizations, challenges, finalization with a CSR, the certificate chain and
/// revocation. Every request is a JWS signed with the account key; every answer is bounded.
/// Waits honour Retry-After. The HTTPS of the directory is verified by the handler it is given.
/// </summary>
internal sealed class AcmeClient : IDisposable
{
    private const int MaxAnswerBytes = 1024 * 1024;
    private const int NonceAttempts = 5;
    private readonly HttpClient http;
    private ECDsa key;
    private readonly TimeProvider time;
    private string? nonce;
    private TimeSpan? lastRetryAfter;

    private AcmeClient(HttpClient http, ECDsa key, AcmeDirectory directory, TimeProvider time) =>
        (this.http, this.key, Directory, this.time) = (http, key, directory, time);

    public AcmeDirectory Directory { get; }

    /// <summary>The account's URL (its <c>kid</c>), once registered.</summary>
    public Uri? Account { get; private set; }

    /// <summary>What the challenge's response must hold: the token and the account key's thumbprint.</summary>
    public string KeyAuthorization(string token) => $"{token}.{AcmeJws.Thumbprint(key)}";

    public static async Task<AcmeClient> OpenAsync(Uri directory, ECDsa accountKey, HttpMessageHandler handler, TimeProvider time, CancellationToken cancel)
    {
        var http = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Gatehouse", null));
        try
        {
            using var answer = await http.GetAsync(directory, cancel);
            var json = await JsonOf(answer, cancel);
            var meta = json["meta"] as JsonObject;
            var found = new AcmeDirectory(
                Url(json, "newNonce"), Url(json, "newAccount"), Url(json, "newOrder"),
                OptionalUrl(json, "revokeCert"), OptionalUrl(json, "keyChange"), OptionalUrl(json, "renewalInfo"),
                meta?["externalAccountRequired"]?.GetValue<bool>() ?? false, meta?["termsOfService"]?.GetValue<string>());
            return new AcmeClient(http, accountKey, found, time);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>Creates the account, or finds the one this key already has (a 200 instead of a 201).</summary>
    /// <param name="externalAccount">The key id and MAC key (base64url, as CAs give it) of the administrator's account with the CA, for CAs that require one.</param>
    public async Task<Uri> RegisterAsync(IReadOnlyList<string> contacts, CancellationToken cancel, (string KeyId, string MacKey)? externalAccount = null)
    {
        var payload = new JsonObject
        {
            ["termsOfServiceAgreed"] = true,
            ["contact"] = new JsonArray([.. contacts.Select(c => JsonValue.Create($"mailto:{c}"))]),
        };
        if (externalAccount is { } binding)
        {
            payload["externalAccountBinding"] = AcmeJws.ExternalAccountBinding(key, binding.KeyId, FromBase64Url(binding.MacKey), Directory.NewAccount.ToString());
        }
        else if (Directory.ExternalAccountRequired)
        {
            throw new AcmeProblemException("externalAccountRequired", "this CA requires an external account binding (its key id and MAC key)", 0);
        }

        using var answer = await PostAsync(Directory.NewAccount, payload, cancel, byKey: true);
        Account = answer.Headers.Location ?? throw new AcmeProblemException("malformed", "the new account has no Location", (int)answer.StatusCode);
        return Account;
    }

    /// <summary>Replaces the account's key (§7.3.5); the old one signs the request, the new one from then on.</summary>
    public async Task RollOverAsync(ECDsa newKey, CancellationToken cancel)
    {
        var url = Directory.KeyChange ?? throw new AcmeProblemException("unsupported", "the CA offers no key change", 0);
        var account = Account?.ToString() ?? throw new InvalidOperationException("no account yet");
        using var _ = await PostAsync(url, AcmeJws.KeyChange(newKey, key, account, url.ToString()), cancel);
        key = newKey;
    }

    public async Task<AcmeOrder> OrderAsync(IReadOnlyList<string> names, CancellationToken cancel)
    {
        var payload = new JsonObject { ["identifiers"] = new JsonArray([.. names.Select(n => new JsonObject { ["type"] = "dns", ["value"] = n })]) };
        using var answer = await PostAsync(Directory.NewOrder, payload, cancel);
        var url = answer.Headers.Location ?? throw new AcmeProblemException("malformed", "the new order has no Location", (int)answer.StatusCode);
        return OrderOf(url, await JsonOf(answer, cancel));
    }

    public async Task<AcmeAuthorization> AuthorizationAsync(Uri url, CancellationToken cancel)
    {
        using var answer = await PostAsync(url, null, cancel);
        var json = await JsonOf(answer, cancel);
        var challenges = (json["challenges"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(c => new AcmeChallenge(Text(c, "type"), Url(c, "url"), c["token"]?.GetValue<string>() ?? "", Text(c, "status"))).ToList();
        return new AcmeAuthorization(url, json["identifier"]?["value"]?.GetValue<string>() ?? "", Text(json, "status"), challenges);
    }

    /// <summary>Tells the server the challenge can be checked now (§7.5.1).</summary>
    public async Task RespondAsync(AcmeChallenge challenge, CancellationToken cancel)
    {
        using var _ = await PostAsync(challenge.Url, new JsonObject(), cancel);
    }

    /// <summary>Asks again until the authorization is no longer pending (valid, or a problem).</summary>
    public async Task<AcmeAuthorization> WaitAuthorizationAsync(Uri url, TimeSpan limit, CancellationToken cancel)
    {
        var until = time.GetUtcNow() + limit;
        while (true)
        {
            var (authorization, wait) = await PollAsync(url, AuthorizationAsync, cancel);
            if (authorization.Status is not ("pending" or "processing") || time.GetUtcNow() + wait > until)
            {
                return authorization;
            }

            await Task.Delay(wait, time, cancel);
        }
    }

    /// <summary>Finalizes the order with the CSR (DER) and waits until its certificate is issued.</summary>
    public async Task<AcmeOrder> FinalizeAsync(AcmeOrder order, byte[] csr, TimeSpan limit, CancellationToken cancel)
    {
        using (var answer = await PostAsync(order.Finalize, new JsonObject { ["csr"] = AcmeJws.Base64Url(csr) }, cancel))
        {
            order = OrderOf(order.Url, await JsonOf(answer, cancel));
        }

        var until = time.GetUtcNow() + limit;
        while (order.Status == "processing" && time.GetUtcNow() < until)
        {
            (order, var wait) = await PollAsync(order.Url, async (url, token) =>
            {
                using var answer = await PostAsync(url, null, token);
                return OrderOf(url, await JsonOf(answer, token));
            }, cancel);
            if (order.Status == "processing")
            {
                await Task.Delay(wait, time, cancel);
            }
        }

        return order;
    }

    /// <summary>The issued chain, PEM, leaf first.</summary>
    public async Task<string> CertificateAsync(Uri url, CancellationToken cancel)
    {
        using var answer = await PostAsync(url, null, cancel, accept: "application/pem-certificate-chain");
        return Encoding.ASCII.GetString(await Bounded(answer, cancel));
    }

    /// <summary>Revokes a certificate (DER) this account holds (§7.6); reason as RFC 5280 codes it.</summary>
    public async Task RevokeAsync(byte[] certificate, int reason, CancellationToken cancel)
    {
        var url = Directory.RevokeCert ?? throw new AcmeProblemException("unsupported", "the CA offers no revocation", 0);
        using var _ = await PostAsync(url, new JsonObject { ["certificate"] = AcmeJws.Base64Url(certificate), ["reason"] = reason }, cancel);
    }

    public void Dispose() => http.Dispose();

    // A GET of a resource and how long to wait before the next (its Retry-After, else a second).
    private async Task<(T Value, TimeSpan Wait)> PollAsync<T>(Uri url, Func<Uri, CancellationToken, Task<T>> get, CancellationToken cancel)
    {
        var value = await get(url, cancel);
        return (value, lastRetryAfter ?? TimeSpan.FromSeconds(1));
    }

    // POST (or POST-as-GET with a null payload), signed; a bad nonce is retried with the one the refusal brings.
    private async Task<HttpResponseMessage> PostAsync(Uri url, JsonNode? payload, CancellationToken cancel, bool byKey = false, string accept = "application/json")
    {
        for (var attempt = 1; ; attempt++)
        {
            var body = AcmeJws.Sign(key, url.ToString(), nonce ?? await NewNonceAsync(cancel), byKey ? null : Account?.ToString() ?? throw new InvalidOperationException("no account yet"), payload?.DeepClone());
            nonce = null;
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/jose+json");
            request.Headers.Accept.ParseAdd(accept);
            var answer = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
            nonce = answer.Headers.TryGetValues("Replay-Nonce", out var nonces) ? nonces.FirstOrDefault() : null;
            lastRetryAfter = RetryAfter(answer);
            if (answer.IsSuccessStatusCode)
            {
                return answer;
            }

            using (answer)
            {
                var problem = await ProblemOf(answer, cancel);
                if (problem.Type != AcmeProblemException.BadNonce || attempt == NonceAttempts)
                {
                    throw problem;
                }
            }
        }
    }

    private async Task<string> NewNonceAsync(CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, Directory.NewNonce);
        using var answer = await http.SendAsync(request, cancel);
        return answer.Headers.TryGetValues("Replay-Nonce", out var nonces) && nonces.FirstOrDefault() is { Length: > 0 } fresh
            ? fresh
            : throw new AcmeProblemException("badNonce", "the CA gave no nonce", (int)answer.StatusCode);
    }

    private TimeSpan? RetryAfter(HttpResponseMessage answer) => answer.Headers.RetryAfter switch
    {
        { Delta: { } delta } => Clamp(delta),
        { Date: { } date } => Clamp(date - time.GetUtcNow()),
        _ => null,
    };

    // A CA's wait is taken, within reason: never less than a second, never more than a day.
    private static TimeSpan Clamp(TimeSpan wait) => wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait > TimeSpan.FromDays(1) ? TimeSpan.FromDays(1) : wait;

    private static AcmeOrder OrderOf(Uri url, JsonObject json) => new(
        url, Text(json, "status"), [.. (json["authorizations"] as JsonArray ?? []).Select(a => new Uri(a!.GetValue<string>()))],
        Url(json, "finalize"), OptionalUrl(json, "certificate"), json["error"]?["detail"]?.GetValue<string>());

    private static async Task<AcmeProblemException> ProblemOf(HttpResponseMessage answer, CancellationToken cancel)
    {
        try
        {
            var json = JsonNode.Parse(await Bounded(answer, cancel)) as JsonObject;
            return new AcmeProblemException(Printable(json?["type"]?.GetValue<string>() ?? "about:blank"), Printable(json?["detail"]?.GetValue<string>() ?? ""), (int)answer.StatusCode);
        }
        catch (JsonException)
        {
            return new AcmeProblemException("about:blank", $"HTTP {(int)answer.StatusCode} {answer.ReasonPhrase}", (int)answer.StatusCode);
        }
    }

    private static async Task<JsonObject> JsonOf(HttpResponseMessage answer, CancellationToken cancel)
    {
        if (!answer.IsSuccessStatusCode)
        {
            throw await ProblemOf(answer, cancel);
        }

        return JsonNode.Parse(await Bounded(answer, cancel)) as JsonObject ?? throw new AcmeProblemException("malformed", "the CA's answer is not a JSON object", (int)answer.StatusCode);
    }

    private static async Task<byte[]> Bounded(HttpResponseMessage answer, CancellationToken cancel)
    {
        await using var stream = await answer.Content.ReadAsStreamAsync(cancel);
        using var copy = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancel)) > 0)
        {
            copy.Write(buffer, 0, read);
            if (copy.Length > MaxAnswerBytes)
            {
                throw new AcmeProblemException("malformed", "the CA's answer is larger than 1 MiB", (int)answer.StatusCode);
            }
        }

        return copy.ToArray();
    }

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }

    private static string Text(JsonObject json, string name) => json[name]?.GetValue<string>() ?? "";

    private static Uri Url(JsonObject json, string name) => OptionalUrl(json, name) ?? throw new AcmeProblemException("malformed", $"no {name} in the CA's answer", 0);

    private static Uri? OptionalUrl(JsonObject json, string name) =>
        json[name]?.GetValue<string>() is { } text && Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps ? url : null;

    // A CA's words reach logs and the CLI: printable and bounded.
    private static string Printable(string text)
    {
        var kept = new string([.. text.Where(c => !char.IsControl(c))]);
        return kept.Length > 300 ? kept[..300] : kept;
    }
}
