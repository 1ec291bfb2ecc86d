using System.Globalization;

namespace Gatehouse.Node.Logging;

/// <summary>
/// One mail log line as a <see cref="IMailLogSink"/> receives it: the line's kind, when, its
/// text, and the values it was written from (ICID, MID, DCID, addresses), so nothing is parsed
/// back out of the text.
/// </summary>
internal sealed record MailLogEvent(MailLogLine Kind, DateTimeOffset At, string Line, IReadOnlyList<KeyValuePair<string, object?>> Fields)
{
    public long? Number(string name) => Value(name) switch
    {
        long l => l,
        int i => i,
        _ => null,
    };

    public string? Text(string name) => Value(name) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    private object? Value(string name)
    {
        foreach (var (key, value) in Fields)
        {
            if (key == name)
            {
                return value;
            }
        }

        return null;
    }
}
