using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

// The local cluster's final destination: a minimal SMTP receiver that appends each message it
// is given to one mbox file, so a newcomer sees mail arrive. Not a mail server: plain SMTP on a
// loopback address, one message at most 10 MB, lines at most 1000 bytes.
// Usage: sample-mailbox ADDRESS:PORT MBOX_FILE
if (args is not [var listen, var mbox] || !IPEndPoint.TryParse(listen, out var endpoint))
{
    Console.Error.WriteLine("usage: sample-mailbox ADDRESS:PORT MBOX_FILE");
    return 2;
}

var listener = new TcpListener(endpoint);
listener.Start();
Console.WriteLine($"sample-mailbox: listening on {endpoint}, writing to {mbox}");
var writing = new SemaphoreSlim(1);
while (true)
{
    var client = await listener.AcceptTcpClientAsync();
    _ = Task.Run(async () =>
    {
        using (client)
        {
            try
            {
                using var session = new Session(client.GetStream(), mbox, writing);
                await session.RunAsync();
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidDataException)
            {
                Console.Error.WriteLine($"sample-mailbox: session ended: {e.Message}");
            }
        }
    });
}

internal sealed class Session(NetworkStream stream, string mbox, SemaphoreSlim writing) : IDisposable
{
    private const int MaxLine = 1000;
    private const int MaxMessage = 10 * 1024 * 1024;
    private readonly StreamReader reader = new(stream, Encoding.Latin1);
    private readonly StreamWriter writer = new(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };

    public void Dispose()
    {
        reader.Dispose();
        writer.Dispose();
    }

    public async Task RunAsync()
    {
        await writer.WriteLineAsync("220 sample-mailbox ready");
        string? from = null;
        var recipients = new List<string>();
        while (await ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO" or "HELO":
                    await writer.WriteLineAsync("250 sample-mailbox");
                    break;
                case "MAIL":
                    (from, recipients) = (Address(line), []);
                    await writer.WriteLineAsync("250 2.1.0 Ok");
                    break;
                case "RCPT" when from is not null:
                    recipients.Add(Address(line));
                    await writer.WriteLineAsync("250 2.1.5 Ok");
                    break;
                case "DATA" when recipients.Count > 0:
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    await StoreAsync(from!, recipients, await ReadMessageAsync());
                    (from, recipients) = (null, []);
                    await writer.WriteLineAsync("250 2.0.0 Ok: stored");
                    break;
                case "RSET" or "NOOP":
                    (from, recipients) = verb == "RSET" ? (null, []) : (from, recipients);
                    await writer.WriteLineAsync("250 2.0.0 Ok");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 2.0.0 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("503 5.5.1 Not now or not known");
                    break;
            }
        }
    }

    // A line as the client sends it, never held beyond MaxLine characters; null at the end.
    private async Task<string?> ReadLineAsync()
    {
        var line = new StringBuilder();
        var one = new char[1];
        while (await reader.ReadAsync(one.AsMemory()) == 1)
        {
            if (one[0] == '\n')
            {
                return line.Length > 0 && line[^1] == '\r' ? line.ToString(0, line.Length - 1) : line.ToString();
            }

            if (line.Length > MaxLine)
            {
                throw new InvalidDataException("line too long");
            }

            line.Append(one[0]);
        }

        return line.Length > 0 ? line.ToString() : null;
    }

    private async Task<List<string>> ReadMessageAsync()
    {
        var lines = new List<string>();
        var size = 0;
        while (await ReadLineAsync() is { } line && line != ".")
        {
            size += line.Length + 2;
            if (size > MaxMessage)
            {
                throw new InvalidDataException("message too large");
            }

            lines.Add(line.StartsWith('.') ? line[1..] : line);
        }

        return lines;
    }

    // mbox: a "From " line per message, body lines starting with "From " quoted with ">".
    private async Task StoreAsync(string from, List<string> recipients, List<string> lines)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"From {(from.Length == 0 ? "MAILER-DAEMON" : from)} {DateTime.UtcNow:ddd MMM d HH:mm:ss yyyy}\n");
        text.Append(CultureInfo.InvariantCulture, $"X-Sample-Mailbox-To: {string.Join(", ", recipients)}\n");
        foreach (var line in lines)
        {
            text.Append(line.StartsWith("From ", StringComparison.Ordinal) ? ">" : "").Append(line).Append('\n');
        }

        text.Append('\n');
        await writing.WaitAsync();
        try
        {
            await File.AppendAllTextAsync(mbox, text.ToString(), Encoding.Latin1);
        }
        finally
        {
            writing.Release();
        }

        Console.WriteLine($"sample-mailbox: stored a message from <{from}> for {string.Join(", ", recipients)}");
    }

    private static string Address(string line)
    {
        var start = line.IndexOf('<', StringComparison.Ordinal);
        var end = line.IndexOf('>', StringComparison.Ordinal);
        return start >= 0 && end > start ? line[(start + 1)..end] : "";
    }
}
