using System.Globalization;

namespace Gatehouse.Node.Tracking;

/// <summary>
/// One mail log line as message tracking reads it: the line's kind (its event id), when, its
/// text, and the values it was written from (ICID, MID, DCID, addresses), so nothing is parsed
/// back out of the text.
/// </summary>
internal sealed record MailEvent(int Kind, DateTimeOffset At, string Line, IReadOnlyList<KeyValuePair<string, object?>> Fields)
{
    /// <summary>Not a line: which listener took an ICID (<see cref="Logging.MailLog.ConnectionListener"/>).</summary>
    public const int ListenerKind = 99;

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
