using System.Text;
using MailKit;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// Remembers the server's final reply to each command of the opening dialogue (greeting,
/// EHLO, STARTTLS), so a failed required-TLS connection can be logged with its real reason.
/// Message data is never kept: recording stops once the connection is set up.
/// </summary>
internal sealed class ReplyRecorder : IProtocolLogger
{
    private readonly Dictionary<string, string> replies = new(StringComparer.OrdinalIgnoreCase);
    private string command = "CONNECT";

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    public bool Recording { get; set; } = true;

    /// <summary>The final reply line to <paramref name="verb"/>, or null when it was not sent.</summary>
    public string? ReplyTo(string verb) => replies.GetValueOrDefault(verb);

    public bool Refused(string verb) => ReplyTo(verb) is { Length: > 0 } reply && reply[0] is '4' or '5';

    public void LogConnect(Uri uri)
    {
    }

    public void LogClient(byte[] buffer, int offset, int count)
    {
        if (Recording && count > 0)
        {
            var line = Encoding.ASCII.GetString(buffer, offset, Math.Min(count, 64));
            var end = line.IndexOfAny([' ', '\r']);
            command = end < 0 ? line : line[..end];
        }
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        if (!Recording)
        {
            return;
        }

        foreach (var line in Encoding.ASCII.GetString(buffer, offset, count).Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length < 4 || line[3] == ' ')
            {
                replies[command] = line;
            }
        }
    }

    public void Dispose()
    {
    }
}
