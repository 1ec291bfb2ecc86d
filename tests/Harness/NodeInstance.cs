using System.Net;
using System.Text.Json;

namespace Gatehouse.Harness;

/// <summary>A node process with its own data directory and loopback address.</summary>
public sealed class NodeInstance : IAsyncDisposable
{
    private ManagedProcess? process;

    public NodeInstance(string root, string name, IPAddress address)
    {
        Name = name;
        Address = address;
        DataDir = Path.Combine(root, name);
    }

    public string Name { get; }

    /// <summary>This node's own loopback address, for its machine-level IP interfaces.</summary>
    public IPAddress Address { get; }

    public string DataDir { get; }

    /// <summary>The node build it runs: this one, or another (<see cref="PreviousRelease"/>) until upgraded.</summary>
    public string Binary { get; set; } = Binaries.Node;

    public ManagedProcess Process => process ?? throw new InvalidOperationException($"node {Name} not started");

    public string LogFile => Path.Combine(Path.GetDirectoryName(DataDir)!, $"{Name}.log");

    /// <summary>Joins as an admin should: the token in a private file, out of the process list.</summary>
    public async Task<CommandResult> JoinAsync(ManagerInstance manager, string token)
    {
        var tokenFile = Path.Combine(Path.GetDirectoryName(DataDir)!, $"{Name}-{Guid.NewGuid():N}.token");
        await File.WriteAllTextAsync(tokenFile, token + "\n");
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        try
        {
            return await CliAsync("join", "--manager", manager.Url.ToString(), "--token-file", tokenFile, "--name", Name);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    public Task<CommandResult> CliAsync(params string[] arguments) =>
        ManagedProcess.RunAsync(Binary, [.. arguments, "--data-dir", DataDir]);

    public void Start()
    {
        process?.Dispose();
        process = ManagedProcess.Start(Binary, ["run", "--data-dir", DataDir], LogFile, TestJobPeriods.Environment);
    }

    public Task StopAsync() => Process.StopAsync();

    public Task KillAsync() => Process.KillAsync();

    /// <summary>The node's mail log file now being written.</summary>
    public string MailLog => Path.Combine(DataDir, "logs", "mail.current");

    /// <summary>Waits until the mail log has a line containing <paramref name="text"/>.</summary>
    public Task WaitForMailLogAsync(string text) =>
        Wait.UntilAsync(async () => File.Exists(MailLog) && (await File.ReadAllTextAsync(MailLog)).Contains(text, StringComparison.Ordinal),
            $"node {Name}'s mail log says '{text}'");

    /// <summary>What the running node last wrote to its status file.</summary>
    public NodeStatusView Status()
    {
        var path = Path.Combine(DataDir, "state", "status.json");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var root = document.RootElement;
            return new NodeStatusView(
                root.GetProperty("applied_version").GetInt64(),
                root.GetProperty("connected").GetBoolean(),
                root.GetProperty("last_error").GetString() ?? "");
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return new NodeStatusView(0, false, "");
        }
    }

    public Task WaitAppliedAsync(long version) =>
        Wait.UntilAsync(() => Status().AppliedVersion == version, $"node {Name} applies version {version} (it has {Status().AppliedVersion})");

    public Task WaitConnectedAsync() => Wait.UntilAsync(() => Status().Connected, $"node {Name} is connected");

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            await process.KillAsync();
            process.Dispose();
        }
    }
}

public sealed record NodeStatusView(long AppliedVersion, bool Connected, string LastError);
