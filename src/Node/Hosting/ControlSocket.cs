using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gatehouse.Node.Delivery;
using Gatehouse.Node.Runtime;

namespace Gatehouse.Node.Hosting;

/// <summary>
/// The running node's control socket (<c>DATA/run/control.sock</c>): one JSON request line,
/// one JSON answer line, for the queue commands of <c>gatehouse-node queue</c>. The socket
/// lives in a directory of mode 0700, so only the node's own user (and root) can reach it;
/// a request is bounded in size and time.
/// </summary>
internal sealed partial class ControlSocket(NodePaths paths, DeliveryQueue queue, ILogger<ControlSocket> logger) : BackgroundService
{
    private const int MaxRequestBytes = 4096;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = paths.ControlSocket;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(Path.GetDirectoryName(path)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Delete(path);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var client = await listener.AcceptAsync(stoppingToken);
                _ = ServeAsync(client, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            File.Delete(path);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken stopping)
    {
        using var _ = client;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        limit.CancelAfter(RequestTimeout);
        QueueControlAnswer answer;
        try
        {
            var request = await ReadRequestAsync(client, limit.Token);
            answer = request is null ? new(false, "the request is not one JSON line of at most 4096 bytes") : await ExecuteAsync(request);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            return;
        }

        LogCommand(logger, answer.Ok, answer.Message);
        var bytes = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(answer, QueueControlJson.Default.QueueControlAnswer) + "\n");
        await client.SendAsync(bytes, SocketFlags.None, CancellationToken.None);
    }

    private static async Task<QueueControlRequest?> ReadRequestAsync(Socket client, CancellationToken cancel)
    {
        var buffer = new byte[MaxRequestBytes];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancel);
            if (read == 0)
            {
                break;
            }

            length += read;
            if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0)
            {
                break;
            }
        }

        var end = Array.IndexOf(buffer, (byte)'\n', 0, length);
        try
        {
            return end < 0 ? null : JsonSerializer.Deserialize(buffer.AsSpan(0, end), QueueControlJson.Default.QueueControlRequest);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<QueueControlAnswer> ExecuteAsync(QueueControlRequest request)
    {
        var (ok, message) = await QueueCommands.ExecuteAsync(queue, request.Op, request.Domain, request.Mid, request.RedirectTo);
        return new(ok, message);
    }

    [LoggerMessage(1020, LogLevel.Information, "Queue command: {Ok} {Answer}")]
    private static partial void LogCommand(ILogger logger, bool ok, string answer);
}
