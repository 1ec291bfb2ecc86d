using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// Let's Encrypt's test ACME server (Debian's <c>pebble</c>), its own HTTPS certificate from a
/// test CA, its directory at <c>https://localhost:PORT/dir</c>. By default it rejects a share of
/// nonces, as its authors intend clients to be tested; <paramref name="alwaysValid"/> has it
/// take every challenge without checking (for the client alone).
/// </summary>
public sealed class Pebble(ManagedProcess process, Uri directory, Uri management, TestCa tls) : IAsyncDisposable
{
    public Uri Directory => directory;

    /// <summary>Its management interface (plain HTTPS too): <c>/roots/0</c>, <c>/intermediates/0</c>.</summary>
    public Uri Management => management;

    /// <summary>The CA of its own HTTPS, to trust the directory with.</summary>
    public TestCa Tls => tls;

    /// <param name="macKeys">External accounts (key id → base64url MAC key): when given, pebble requires a binding to one.</param>
    public static async Task<Pebble> StartAsync(string work, bool alwaysValid, int nonceRejectPercent = 5, IReadOnlyDictionary<string, string>? macKeys = null)
    {
        System.IO.Directory.CreateDirectory(work);
        var tls = await TestCa.CreateAsync(Path.Combine(work, "tls"), "Pebble HTTPS");
        var (certificate, key) = await tls.IssueAsync("localhost", "pebble");
        var (port, managementPort) = (FreePort.On(IPAddress.Loopback), FreePort.On(IPAddress.Loopback));
        var config = Path.Combine(work, "pebble.json");
        await File.WriteAllTextAsync(config, $$$"""
            {"pebble": {"listenAddress": "127.0.0.1:{{{port}}}", "managementListenAddress": "127.0.0.1:{{{managementPort}}}",
              "certificate": "{{{await tls.ChainAsync(certificate)}}}", "privateKey": "{{{key}}}", "httpPort": 5002, "tlsPort": 5001,
              "ocspResponderURL": "", "externalAccountBindingRequired": {{{(macKeys is null ? "false" : "true")}}},
              "externalAccountMACKeys": {{{System.Text.Json.JsonSerializer.Serialize(macKeys ?? new Dictionary<string, string>())}}}}}
            """);
        var process = ManagedProcess.StartExecutable("env",
            [$"PEBBLE_VA_ALWAYS_VALID={(alwaysValid ? 1 : 0)}", "PEBBLE_VA_NOSLEEP=1", $"PEBBLE_WFE_NONCEREJECT={nonceRejectPercent}", "pebble", "-config", config],
            Path.Combine(work, "pebble.log"));
        await Wait.UntilAsync(() => FreePort.Accepts(new IPEndPoint(IPAddress.Loopback, port)), "pebble listens");
        return new Pebble(process, new Uri($"https://localhost:{port}/dir"), new Uri($"https://localhost:{managementPort}/"), tls);
    }

    public string Log => process.Output;

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }
}
