using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Harness;

/// <summary>
/// Debian's clamd with a signature database built here with <c>sigtool</c> (no download): the
/// MD5 of the EICAR test file, so that it is found plain, as a mail attachment and inside a zip.
/// Its <c>StreamMaxLength</c> is 1 MiB.
/// </summary>
public sealed class Clamd(ManagedProcess process, IPEndPoint endpoint, string eicarPath) : IAsyncDisposable
{
    // The EICAR test file (eicar.org): every antivirus engine's agreed harmless test.
    public const string Eicar = @"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

    public IPEndPoint Endpoint => endpoint;

    /// <summary>The EICAR test file, to attach.</summary>
    public string EicarPath => eicarPath;

    public static async Task<Clamd> StartAsync(string directory, IPEndPoint endpoint)
    {
        var database = Directory.CreateDirectory(Path.Combine(directory, "db")).FullName;
        var eicar = Path.Combine(directory, "eicar.com");
        await File.WriteAllTextAsync(eicar, Eicar);
        var signature = (await ManagedProcess.RunProgramAsync("sigtool", ["--md5", eicar])).Succeeded().Output;
        await File.WriteAllTextAsync(Path.Combine(database, "test.hdb"), signature);
        var config = Path.Combine(directory, "clamd.conf");
        await File.WriteAllTextAsync(config, $"""
            Foreground yes
            LogFile {Path.Combine(directory, "clamd-own.log")}
            DatabaseDirectory {database}
            TCPSocket {endpoint.Port}
            TCPAddr {endpoint.Address}
            User root
            StreamMaxLength 1M
            ScanArchive yes
            ScanMail yes

            """);
        var process = ManagedProcess.StartExecutable("clamd", ["-c", config], Path.Combine(directory, "clamd.log"));
        await Wait.UntilAsync(() => PingAsync(endpoint), $"clamd answers PING on {endpoint}", TimeSpan.FromSeconds(60));
        return new Clamd(process, endpoint, eicar);
    }

    public int ProcessId => process.Id;

    public Task StopAsync() => process.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }

    private static async Task<bool> PingAsync(IPEndPoint endpoint)
    {
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(endpoint);
            await using var stream = tcp.GetStream();
            await stream.WriteAsync("zPING\0"u8.ToArray());
            var answer = new byte[16];
            var read = await stream.ReadAsync(answer);
            return read >= 4 && System.Text.Encoding.ASCII.GetString(answer, 0, 4) == "PONG";
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
