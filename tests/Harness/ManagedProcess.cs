using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Gatehouse.Harness;

/// <summary>
/// A manager or node process under test: started with <c>dotnet</c>, its output kept in a
/// log file; stopped gracefully (SIGTERM) or killed (SIGKILL), always by its own pid.
/// </summary>
public sealed partial class ManagedProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StreamWriter log;

    private ManagedProcess(Process process, string logPath)
    {
        this.process = process;
        log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static ManagedProcess Start(string dll, IEnumerable<string> arguments, string logPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = Info("dotnet", arguments.Prepend(dll), workingDirectory: null);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return new(Process.Start(info)!, logPath);
    }

    /// <summary>Starts any program (a peer such as dnsmasq or Postfix) under the same watch.</summary>
    public static ManagedProcess StartExecutable(string program, IEnumerable<string> arguments, string logPath) =>
        new(Process.Start(Info(program, arguments, workingDirectory: null))!, logPath);

    /// <summary>Runs a .NET program of ours to completion and returns what it printed.</summary>
    public static Task<CommandResult> RunAsync(string dll, IEnumerable<string> arguments, string? input = null, TimeSpan? timeout = null) =>
        RunProgramAsync("dotnet", arguments.Prepend(dll), input, timeout);

    /// <summary>Runs any program to completion and returns what it printed.</summary>
    public static async Task<CommandResult> RunProgramAsync(
        string program, IEnumerable<string> arguments, string? input = null, TimeSpan? timeout = null, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = Info(program, arguments, workingDirectory);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish");
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Everything an exited process wrote: waits until its output has been read to the end.</summary>
    public async Task<string> FinalOutputAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await process.WaitForExitAsync(limit.Token);
        return Output;
    }

    /// <summary>SIGTERM, then wait for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            _ = Kill(process.Id, 15);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(limit.Token);
        }
    }

    /// <summary>SIGKILL: the process gets no chance to clean up (kill -9).</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            _ = Kill(process.Id, 9);
            await process.WaitForExitAsync();
        }
    }

    public Task WaitForExitAsync(CancellationToken cancel) => process.WaitForExitAsync(cancel);

    public void Dispose()
    {
        if (!process.HasExited)
        {
            _ = Kill(process.Id, 9);
            process.WaitForExit();
        }

        process.Dispose();
        log.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
            log.WriteLine(line);
        }
    }

    private static ProcessStartInfo Info(string program, IEnumerable<string> arguments, string? workingDirectory)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
