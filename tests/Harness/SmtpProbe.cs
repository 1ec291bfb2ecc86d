using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Harness;

/// <summary>
/// A raw SMTP client for tests that must control every byte (pipelining, injection,
/// smuggling, garbage). It reads whole replies, multi-line included.
/// </summary>
public sealed class SmtpProbe : IAsyncDisposable
{
    private readonly TcpClient client;
    private Stream stream;
    private readonly List<byte> pending = [];

    private SmtpProbe(TcpClient client)
    {
        this.client = client;
        stream = client.GetStream();
    }

    public static async Task<SmtpProbe> ConnectAsync(IPEndPoint server, IPAddress? from = null)
    {
        var client = new TcpClient(new IPEndPoint(from ?? IPAddress.Loopback, 0));
        await client.ConnectAsync(server);
        return new SmtpProbe(client);
    }

    public Task SendAsync(string text) => SendBytesAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendBytesAsync(byte[] bytes)
    {
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    /// <summary>Reads one reply (all its lines); null when the server closed the connection.</summary>
    public async Task<string?> ReplyAsync(TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        var lines = new StringBuilder();
        while (true)
        {
            var line = await LineAsync(limit.Token);
            if (line is null)
            {
                return lines.Length == 0 ? null : lines.ToString();
            }

            lines.Append(line).Append('\n');
            if (line.Length < 4 || line[3] != '-')
            {
                return lines.ToString().TrimEnd('\n');
            }
        }
    }

    /// <summary>Sends a command and returns the reply.</summary>
    public async Task<string?> CommandAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await ReplyAsync();
    }

    public async Task StartTlsAsync()
    {
        var tls = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("mx");
        stream = tls;
        pending.Clear();
    }

    /// <summary>True when the server has closed the connection (read returns end of stream).</summary>
    public async Task<bool> ClosedAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        try
        {
            var buffer = new byte[1];
            return await stream.ReadAsync(buffer, limit.Token) == 0;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        client.Dispose();
    }

    private async Task<string?> LineAsync(CancellationToken cancel)
    {
        while (true)
        {
            var newline = pending.IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = Encoding.Latin1.GetString(pending.Take(newline).ToArray()).TrimEnd('\r');
                pending.RemoveRange(0, newline + 1);
                return line;
            }

            var buffer = new byte[4096];
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, cancel);
            }
            catch (IOException)
            {
                read = 0;
            }

            if (read == 0)
            {
                return null;
            }

            pending.AddRange(buffer.Take(read));
        }
    }
}
