using System.Net;
using System.Text.Json.Nodes;

namespace Gatehouse.Harness;

/// <summary>A manager process with its own data directory and port.</summary>
public sealed class ManagerInstance : IAsyncDisposable
{
    private ManagedProcess? process;
    private AdminHttp? http;

    private readonly Uri? store;

    /// <param name="port">A port of its own by default; another manager's to take its place (a restore).</param>
    public ManagerInstance(string root, IPAddress address, string name = "manager", Uri? store = null, int? port = null)
    {
        DataDir = Path.Combine(root, name);
        Endpoint = new IPEndPoint(address, port ?? FreePort.On(address));
        Url = new Uri($"https://{Endpoint}");
        this.store = store;
    }

    /// <summary>A replica shares the cluster CA, the secrets key and the admin token of another manager.</summary>
    public void ShareSecretsOf(ManagerInstance other)
    {
        foreach (var relative in new[] { Path.Combine("ca", "ca.crt"), Path.Combine("ca", "ca.key"), Path.Combine("keys", "secrets.key"), "admin.token" })
        {
            var target = Path.Combine(DataDir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(other.DataDir, relative), target, overwrite: true);
        }
    }

    public string DataDir { get; }

    /// <summary>Environment for the manager process besides the test job periods (settings by environment).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>More options for the store (password file, CA file), given after <c>--store</c>.</summary>
    public IReadOnlyList<string> StoreOptions { get; init; } = [];

    public IPEndPoint Endpoint { get; }

    public Uri Url { get; }

    public string CaFile => Path.Combine(DataDir, "ca", "ca.crt");

    public string TokenFile => Path.Combine(DataDir, "admin.token");

    public ManagedProcess Process => process ?? throw new InvalidOperationException("manager not started");

    /// <summary>The admin REST API, authenticated with the admin token.</summary>
    public AdminHttp Http => http ??= new AdminHttp(Url, CaFile, File.ReadAllText(TokenFile).Trim());

    public async Task StartAsync()
    {
        process?.Dispose();
        string[] arguments = ["serve", "--data-dir", DataDir, "--listen", Url.ToString()];
        process = ManagedProcess.Start(Binaries.Manager, store is null ? arguments : [.. arguments, "--store", store.ToString(), .. StoreOptions],
            Path.Combine(Path.GetDirectoryName(DataDir)!, $"{Path.GetFileName(DataDir)}.log"),
            TestJobPeriods.Environment.Concat(Environment).ToDictionary());
        // The manager writes manager.url, which the CLI reads, just after it starts listening:
        // a CLI run in between would find no manager.
        await Wait.UntilAsync(() => process.HasExited || (FreePort.Accepts(Endpoint) && File.Exists(Path.Combine(DataDir, "manager.url"))),
            $"the manager listens on {Endpoint} and has said where");
        if (process.HasExited)
        {
            throw new InvalidOperationException($"the manager exited with {process.ExitCode}: {await process.FinalOutputAsync()}");
        }
    }

    public Task StopAsync() => Process.StopAsync();

    public Task KillAsync() => Process.KillAsync();

    /// <summary>Runs a manager client command against this manager (<c>--data-dir</c> is added).</summary>
    public Task<CommandResult> CliAsync(params string[] arguments) => CliWithInputAsync(null, arguments);

    public Task<CommandResult> CliWithInputAsync(string? input, params string[] arguments) =>
        ManagedProcess.RunAsync(Binaries.Manager, [.. arguments, "--data-dir", DataDir], input);

    public async Task<string> CreateTokenAsync(string ttl = "1h") =>
        (await CliAsync("token", "create", "--ttl", ttl)).Succeeded().LastLine;

    /// <summary>Stages a YAML text as with loadconfig (cluster level, or one machine level).</summary>
    public async Task<CommandResult> LoadConfigAsync(string yaml, string? machine = null, bool merge = false, string? group = null)
    {
        var file = Path.Combine(Path.GetDirectoryName(DataDir)!, $"stage-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        string[] arguments = machine is not null ? ["loadconfig", file, "--machine", machine] : group is not null ? ["loadconfig", file, "--group", group] : ["loadconfig", file];
        return await CliAsync(merge ? [.. arguments, "--merge"] : arguments);
    }

    public async Task<long> CommitAsync(string comment) =>
        long.Parse((await CliAsync("commit", "--comment", comment)).Succeeded().LastLine, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A cluster-level certificate with its private key as one PEM (key first), as Postfix and SslStream read it.</summary>
    public async Task<string> CertificateWithKeyPemAsync(string name)
    {
        var export = await Http.PostTextAsync("api/v1/config/export", "{\"keys\":\"plain\"}");
        using var document = System.Text.Json.JsonDocument.Parse(export);
        var certificate = document.RootElement.GetProperty("cluster").GetProperty("certificates").EnumerateArray().First(c => c.GetProperty("name").GetString() == name);
        return certificate.GetProperty("private_key_pem").GetString()!.TrimEnd() + "\n" + certificate.GetProperty("certificate_pem").GetString();
    }

    public async Task<JsonArray> NodesAsync() => (JsonArray)await Http.GetJsonAsync("api/v1/nodes");

    public async Task<JsonNode?> NodeAsync(string name) =>
        (await NodesAsync()).FirstOrDefault(n => (string?)n!["name"] == name);

    public async ValueTask DisposeAsync()
    {
        http?.Dispose();
        if (process is not null)
        {
            await process.KillAsync();
            process.Dispose();
        }
    }
}
