using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// Postfix's <c>smtp-sink</c>: accepts every message and dumps each to a file, without
/// STARTTLS; with <c>-e</c> it does not speak ESMTP (EHLO is refused).
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly ManagedProcess process;

    private SmtpSink(string directory, IPEndPoint endpoint, ManagedProcess process)
    {
        Directory = directory;
        Endpoint = endpoint;
        this.process = process;
    }

    public string Directory { get; }

    public IPEndPoint Endpoint { get; }

    /// <param name="dataDelaySeconds">Wait before answering DATA, to make a slow receiver.</param>
    /// <param name="dotDelaySeconds">Wait before answering the final '.': the message is dumped (taken) at once, the answer comes later.</param>
    public static async Task<SmtpSink> StartAsync(string directory, IPEndPoint endpoint, bool refuseEhlo = false, int dataDelaySeconds = 0, int backlog = 256, int dotDelaySeconds = 0)
    {
        var dumps = System.IO.Directory.CreateDirectory(Path.Combine(directory, "dump")).FullName;
        (await ManagedProcess.RunProgramAsync("chown", ["nobody:nogroup", dumps])).Succeeded();
        List<string> arguments = ["-u", "nobody", "-d", Path.Combine(dumps, "%H%M%S."), "-m", "512"];
        if (refuseEhlo)
        {
            arguments.Add("-e");
        }

        if (dataDelaySeconds > 0)
        {
            arguments.AddRange(["-w", dataDelaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (dotDelaySeconds > 0)
        {
            arguments.AddRange(["-W", $".:{dotDelaySeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}"]);
        }

        arguments.AddRange([endpoint.ToString(), backlog.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var process = ManagedProcess.StartExecutable("smtp-sink", arguments, Path.Combine(directory, "smtp-sink.log"));
        await Wait.UntilAsync(() => process.HasExited || FreePort.Accepts(endpoint), $"smtp-sink accepts on {endpoint}");
        return process.HasExited ? throw new InvalidOperationException($"smtp-sink failed: {process.Output}") : new SmtpSink(directory, endpoint, process);
    }

    /// <summary>The dumped transactions: envelope lines (X-Client-Proto, X-Mail-Args, X-Rcpt-Args) then the message.</summary>
    public IReadOnlyList<string> Delivered()
    {
        var dumps = Path.Combine(Directory, "dump");
        return [.. System.IO.Directory.GetFiles(dumps).Select(f =>
        {
            try
            {
                return File.ReadAllText(f);
            }
            catch (IOException)
            {
                return "";
            }
        })];
    }

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }
}
