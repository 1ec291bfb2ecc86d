using System.Globalization;
using System.Text.Json;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Runtime;

/// <summary>
/// Counted records of what this node saw on each UTC day, for the cluster's daily reports: kept
/// in memory for today, in <c>DIRECTORY/YYYY-MM-DD.json</c> as a JSON array written at most
/// every few seconds and when the node stops; days older than a week are removed. Records are
/// told apart by a key the caller gives; a day holds at most <c>maxPerDay</c> of them.
/// </summary>
internal sealed class DailyRecords<TRecord> : IAsyncDisposable
    where TRecord : class
{
    private const int PageSize = 500;
    private static readonly TimeSpan WriteEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan Kept = TimeSpan.FromDays(7);
    private readonly string directory;
    private readonly TimeProvider time;
    private readonly Func<TRecord, string> keyOf;
    private readonly int maxPerDay;
    private readonly Lock gate = new();
    private readonly Timer timer;
    private string day = "";
    private Dictionary<string, TRecord> records = [];
    private bool changed;

    public DailyRecords(string directory, TimeProvider time, Func<TRecord, string> keyOf, int maxPerDay)
    {
        this.directory = directory;
        this.time = time;
        this.keyOf = keyOf;
        this.maxPerDay = maxPerDay;
        timer = new Timer(_ => Write(), null, WriteEvery, WriteEvery);
    }

    public static JsonSerializerOptions Json { get; } = new() { WriteIndented = true };

    /// <summary>A day's records as written; empty when there are none.</summary>
    public static IReadOnlyList<TRecord> ReadDay(string directory, DateOnly date)
    {
        var path = Path.Combine(directory, $"{date:yyyy-MM-dd}.json");
        return File.Exists(path) ? JsonSerializer.Deserialize<List<TRecord>>(File.ReadAllBytes(path), Json) ?? [] : [];
    }

    /// <summary>
    /// Changes today's record with the key of <paramref name="sample"/>, which becomes the record
    /// when there is none yet (nothing happens once the day holds as many as it may).
    /// </summary>
    public void Update(TRecord sample, Action<TRecord> change)
    {
        lock (gate)
        {
            var today = time.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            if (today != day)
            {
                WriteLocked();
                day = today;
                records = ReadDay(directory, DateOnly.ParseExact(today, "yyyy-MM-dd", CultureInfo.InvariantCulture))
                    .GroupBy(keyOf).ToDictionary(g => g.Key, g => g.First());
            }

            var key = keyOf(sample);
            if (!records.TryGetValue(key, out var record))
            {
                if (records.Count >= maxPerDay)
                {
                    return;
                }

                records[key] = record = sample;
            }

            change(record);
            changed = true;
        }
    }

    /// <summary>A page of a day's records as JSON, with what is still in memory written first; the next offset is 0 after the last page.</summary>
    public (string Json, int NextOffset) Page(DateOnly date, int offset)
    {
        Write();
        var all = ReadDay(directory, date);
        var page = all.Skip(offset).Take(PageSize).ToList();
        return (JsonSerializer.Serialize(page, Json), offset + page.Count < all.Count ? offset + page.Count : 0);
    }

    public async ValueTask DisposeAsync()
    {
        await timer.DisposeAsync();
        Write();
    }

    private void Write()
    {
        lock (gate)
        {
            WriteLocked();
        }
    }

    private void WriteLocked()
    {
        if (!changed || day.Length == 0)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, $"{day}.json"), JsonSerializer.SerializeToUtf8Bytes(records.Values.ToList(), Json), privateFile: true);
        changed = false;
        foreach (var old in Directory.EnumerateFiles(directory, "*.json"))
        {
            if (DateOnly.TryParseExact(Path.GetFileNameWithoutExtension(old), "yyyy-MM-dd", out var date) && date.ToDateTime(TimeOnly.MinValue) < time.GetUtcNow().UtcDateTime - Kept)
            {
                File.Delete(old);
            }
        }
    }
}
