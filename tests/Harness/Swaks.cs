using System.Net;

namespace Gatehouse.Harness;

/// <summary>The real swaks, as admins test mail servers with it.</summary>
public static class Swaks
{
    public static Task<CommandResult> SendAsync(IPEndPoint server, string to, params string[] extra) =>
        RunAsync(["--server", server.ToString(), "--to", to, "--from", "sender@sender.test", "--helo", "client.sender.test", "--timeout", "20", .. extra]);

    public static async Task<CommandResult> RunAsync(IEnumerable<string> arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo("swaks")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(limit.Token);
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }
}
