using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Gatehouse.Harness;

/// <summary>Talks to the admin REST API directly, for polling and measurements where a CLI start is too slow.</summary>
public sealed class AdminHttp : IDisposable
{
    private readonly HttpClient http;
    private readonly X509Certificate2 ca;

    public AdminHttp(Uri manager, string caFile, string? token)
    {
        ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
        http = new HttpClient(PrivateTrustHandler.Trusting(ca)) { BaseAddress = manager };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request);
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!;
    }

    public async Task<string> PostTextAsync(string path, string json)
    {
        using var response = await SendAsync(HttpMethod.Post, path, json);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new HttpRequestException($"{(int)response.StatusCode}: {body}");
    }

    public async Task PutAsync(string path, string json)
    {
        using var response = await SendAsync(HttpMethod.Put, path, json);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    public void Dispose()
    {
        http.Dispose();
        ca.Dispose();
    }
}
