using System.Diagnostics;

namespace Gatehouse.Harness;

/// <summary>The real <c>openssl</c> command line, as admins use it next to Gatehouse.</summary>
public static class OpenSsl
{
    public static async Task<CommandResult> RunAsync(string workingDirectory, IEnumerable<string> arguments, string? input = null)
    {
        var info = new ProcessStartInfo("openssl")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(limit.Token);
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    public static async Task<string> OkAsync(string workingDirectory, params string[] arguments) =>
        (await RunAsync(workingDirectory, arguments)).Succeeded().Output;
}
