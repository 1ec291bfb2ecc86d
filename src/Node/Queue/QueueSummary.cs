using System.Globalization;
using Gatehouse.Node.Messages;

namespace Gatehouse.Node.Queue;

/// <summary>
/// The queue by recipient domain, as an admin reads it first: messages and pending recipients
/// per domain and how long the oldest has waited. Read from the queue files, so it works
/// whether or not the node runs, and changes nothing.
/// </summary>
internal static class QueueSummary
{
    public static IReadOnlyList<string> Lines(string queueDirectory, DateTimeOffset now)
    {
        if (!Directory.Exists(queueDirectory))
        {
            return [];
        }

        var pending = new List<(string Domain, long Mid, DateTimeOffset Received)>();
        foreach (var envelope in MessageSpool.EnvelopesIn(queueDirectory))
        {
            var progress = MessageSpool.ProgressIn(queueDirectory, envelope.Mid);
            for (var rid = 0; rid < envelope.Recipients.Count; rid++)
            {
                if ((progress?.Recipients.ElementAtOrDefault(rid) ?? RecipientStatus.Pending) == RecipientStatus.Pending)
                {
                    pending.Add((MailAddress.Domain(envelope.Recipients[rid]).ToLowerInvariant(), envelope.Mid, envelope.ReceivedAt));
                }
            }
        }

        return [.. pending.GroupBy(p => p.Domain)
            .OrderByDescending(g => g.Select(p => p.Mid).Distinct().Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => string.Create(CultureInfo.InvariantCulture,
                $"{g.Key}  messages {g.Select(p => p.Mid).Distinct().Count()}  recipients {g.Count()}  oldest {Age(now - g.Min(p => p.Received))}"))];
    }

    private static string Age(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{(int)age.TotalDays}d{age.Hours}h" : age.TotalHours >= 1 ? $"{(int)age.TotalHours}h{age.Minutes}m" : $"{(int)age.TotalMinutes}m{age.Seconds}s";
}
