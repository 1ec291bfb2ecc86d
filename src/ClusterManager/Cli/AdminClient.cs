using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.Api;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// The CLI's way to the admin API: HTTPS trusting only the cluster CA, with the admin token.
/// Reached with <c>--data-dir</c> (URL, CA and token read from it) or with explicit files.
/// </summary>
internal sealed class AdminClient : IDisposable
{
    private readonly HttpClient http;
    private readonly X509Certificate2 ca;

    public AdminClient(Uri manager, X509Certificate2 ca, string token)
    {
        this.ca = ca;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = ValidateServer },
        };
        http = new HttpClient(handler) { BaseAddress = manager, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Uri Manager => http.BaseAddress!;

    public static AdminClient Create(ConnectionSettings settings)
    {
        X509Certificate2 ca;
        try
        {
            ca = X509CertificateLoader.LoadCertificateFromFile(settings.CaFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new CliException($"cannot read the cluster CA certificate {settings.CaFile}: {e.Message}");
        }

        string token;
        try
        {
            token = File.ReadAllText(settings.TokenFile).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the admin API token {settings.TokenFile}: {e.Message}");
        }

        return new AdminClient(settings.Manager, ca, token);
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancel) => SendAsync<T>(HttpMethod.Get, path, null, cancel);

    public async Task<string> GetTextAsync(string path, CancellationToken cancel)
    {
        using var response = await CallAsync(new HttpRequestMessage(HttpMethod.Get, path), cancel);
        return await response.Content.ReadAsStringAsync(cancel);
    }

    public async Task<string> PostTextAsync(string path, object body, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: AdminApi.Json) };
        using var response = await CallAsync(request, cancel);
        return await response.Content.ReadAsStringAsync(cancel);
    }

    public async Task PutJsonTextAsync(string path, string json, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, path)
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await CallAsync(request, cancel);
    }

    public Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancel) =>
        SendAsync<T>(method, path, body, acceptStatus: null, cancel);

    /// <summary>Sends a request; a status in <paramref name="acceptStatus"/> is read as a body, not an error.</summary>
    public async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, int? acceptStatus, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: AdminApi.Json);
        }

        using var response = await CallAsync(request, cancel, acceptStatus);
        if (response.Content.Headers.ContentLength == 0 || response.StatusCode == System.Net.HttpStatusCode.NoContent)
        {
            return default!;
        }

        return (await response.Content.ReadFromJsonAsync<T>(AdminApi.Json, cancel))!;
    }

    public void Dispose()
    {
        http.Dispose();
        ca.Dispose();
    }

    private async Task<HttpResponseMessage> CallAsync(HttpRequestMessage request, CancellationToken cancel, int? acceptStatus = null)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancel);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the manager at {Manager}: {e.InnerException?.Message ?? e.Message}");
        }

        if (response.IsSuccessStatusCode || (int)response.StatusCode == acceptStatus)
        {
            return response;
        }

        using (response)
        {
            var error = await TryReadErrorAsync(response, cancel);
            throw new CliException(error?.Error ?? $"the manager answered {(int)response.StatusCode} {response.ReasonPhrase}", error?.Details ?? []);
        }
    }

    private static async Task<ApiError?> TryReadErrorAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<ApiError>(AdminApi.Json, cancel);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // The manager's certificate must chain to the cluster CA and carry the host name used.
    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }

        using var server = new X509Certificate2(certificate);
        return Cluster.Membership.PrivateTrust.Chains(server, Cluster.Membership.PrivateTrust.ServerAuth, ca);
    }
}
