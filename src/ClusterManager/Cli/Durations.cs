using System.Globalization;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>Reads durations written as admins write them: <c>90s</c>, <c>30m</c>, <c>1h</c>, <c>2d</c>.</summary>
internal static class Durations
{
    public static TimeSpan Parse(string text)
    {
        text = text.Trim();
        if (text.Length >= 2 && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            switch (text[^1])
            {
                case 's': return TimeSpan.FromSeconds(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 'h': return TimeSpan.FromHours(amount);
                case 'd': return TimeSpan.FromDays(amount);
            }
        }

        throw new CliException($"'{text}' is not a duration (e.g. 90s, 30m, 1h, 2d)");
    }
}
