using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Node.Scanning;

/// <summary>clamd's answer: a signature found, or none.</summary>
internal sealed record ClamdVerdict(string? Signature)
{
    public string LogText => Signature is null ? "clean" : $"found {Signature}";
}

/// <summary>
/// clamd's <c>zINSTREAM</c>: the message in chunks, each after its length (4 bytes, network
/// order), then a zero length; clamd answers <c>stream: OK</c>, <c>stream: NAME FOUND</c> or an
/// error (its <c>StreamMaxLength</c> exceeded among them), which is no verdict.
/// </summary>
internal static class ClamdClient
{
    private const int ChunkBytes = 64 * 1024;
    private const int MaxAnswerBytes = 4096;

    public static async Task<ClamdVerdict> ScanAsync(string host, int port, string messagePath, CancellationToken cancel)
    {
        using var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync(host, port, cancel);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync("zINSTREAM\0"u8.ToArray(), cancel);
        var buffer = new byte[4 + ChunkBytes];
        await using (var message = new FileStream(messagePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, ChunkBytes))
        {
            int read;
            while ((read = await message.ReadAsync(buffer.AsMemory(4, ChunkBytes), cancel)) > 0)
            {
                BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)read);
                try
                {
                    await stream.WriteAsync(buffer.AsMemory(0, 4 + read), cancel);
                }
                catch (IOException)
                {
                    // clamd stops reading once the stream is over its limit, and says so.
                    break;
                }
            }
        }

        BinaryPrimitives.WriteUInt32BigEndian(buffer, 0);
        try
        {
            await stream.WriteAsync(buffer.AsMemory(0, 4), cancel);
        }
        catch (IOException)
        {
            // As above: its answer is read below.
        }

        var answer = await ReadAnswerAsync(stream, cancel);
        return answer switch
        {
            "stream: OK" => new ClamdVerdict(null),
            _ when answer.StartsWith("stream: ", StringComparison.Ordinal) && answer.EndsWith(" FOUND", StringComparison.Ordinal) =>
                new ClamdVerdict(Signature(answer["stream: ".Length..^" FOUND".Length])),
            // Its own limit is no fault of the scanner's: not counted against its circuit.
            _ when answer.Contains("size limit exceeded", StringComparison.Ordinal) => throw new NoVerdictException($"clamd answered {answer}"),
            _ => throw new IOException($"clamd answered {(answer.Length > 0 ? answer : "nothing")}"),
        };
    }

    // A signature name as clamd's databases write them; anything else is not repeated.
    private static string Signature(string name) =>
        name.Length is > 0 and <= 128 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or ':' or '/') ? name : "(unnamed)";

    // The answer ends with a NUL (the z prefix), or with the connection.
    private static async Task<string> ReadAnswerAsync(NetworkStream stream, CancellationToken cancel)
    {
        var answer = new List<byte>();
        var one = new byte[256];
        int read;
        while ((read = await stream.ReadAsync(one, cancel)) > 0)
        {
            var end = Array.IndexOf(one, (byte)0, 0, read);
            answer.AddRange(one.Take(end >= 0 ? end : read));
            if (end >= 0 || answer.Count > MaxAnswerBytes)
            {
                break;
            }
        }

        return new string([.. Encoding.ASCII.GetString([.. answer]).Where(c => !char.IsControl(c))]).Trim();
    }
}
