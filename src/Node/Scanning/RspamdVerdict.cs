using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gatehouse.Node.Scanning;

/// <summary>
/// rspamd's answer to <c>/checkv2</c>: the action it chose, its score, the symbols that matched,
/// the SMTP text it suggests, and the header changes it asks for (its <c>milter</c> block and
/// a rewritten subject). What rspamd says reaches a header or a reply only within bounds: header
/// names are tokens, values one line, texts printable and short.
/// </summary>
internal sealed partial record RspamdVerdict(
    string Action, double Score, double Required, IReadOnlyList<string> Symbols, string? SmtpMessage,
    IReadOnlyList<(string Name, string Value)> AddHeaders, IReadOnlyList<string> RemoveHeaders, string? Subject)
{
    private const int MaxHeaders = 20;
    private const int MaxValue = 2048;
    private const int MaxSymbols = 50;

    public static RspamdVerdict Parse(ReadOnlySpan<byte> json)
    {
        using var document = JsonDocument.Parse(json.ToArray());
        var root = document.RootElement;
        var action = Text(root, "action") ?? throw new FormatException("no action in rspamd's answer");
        var symbols = root.TryGetProperty("symbols", out var found) && found.ValueKind == JsonValueKind.Object
            ? found.EnumerateObject().Select(s => s.Name).Where(n => Token().IsMatch(n)).Take(MaxSymbols).ToList() : [];
        var message = root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Object ? Text(messages, "smtp_message") : null;
        var adds = new List<(string, string)>();
        var removes = new List<string>();
        if (root.TryGetProperty("milter", out var milter) && milter.ValueKind == JsonValueKind.Object)
        {
            if (milter.TryGetProperty("add_headers", out var add) && add.ValueKind == JsonValueKind.Object)
            {
                foreach (var header in add.EnumerateObject().Where(h => Token().IsMatch(h.Name)).Take(MaxHeaders))
                {
                    adds.AddRange(Values(header.Value).Select(v => (header.Name, v)));
                }
            }

            if (milter.TryGetProperty("remove_headers", out var remove) && remove.ValueKind == JsonValueKind.Object)
            {
                removes.AddRange(remove.EnumerateObject().Select(h => h.Name).Where(n => Token().IsMatch(n)).Take(MaxHeaders));
            }
        }

        return new RspamdVerdict(action, Number(root, "score"), Number(root, "required_score"), symbols, Clean(message), adds, removes, Clean(Text(root, "subject")));
    }

    /// <summary>As the mail log says it: <c>reject (score 15.00/15.00: GTUBE)</c>.</summary>
    public string LogText => string.Create(CultureInfo.InvariantCulture, $"{Action} (score {Score:F2}/{Required:F2}{(Symbols.Count > 0 ? ": " + string.Join(", ", Symbols) : "")})");

    // A value is a string, an object with "value", or a list of either.
    private static IEnumerable<string> Values(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => [value.GetString()!],
        JsonValueKind.Object when value.TryGetProperty("value", out var inner) && inner.ValueKind == JsonValueKind.String => [inner.GetString()!],
        JsonValueKind.Array => value.EnumerateArray().SelectMany(Values),
        _ => [],
    } is var values ? values.Select(Clean).OfType<string>() : [];

    // One line, no control characters, bounded: never a second header nor a second reply line.
    private static string? Clean(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var line = new string([.. text.Where(c => !char.IsControl(c) || c == '\t')]).Trim();
        return line.Length == 0 ? null : line.Length > MaxValue ? line[..MaxValue] : line;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : 0;

    [GeneratedRegex(@"\A[A-Za-z0-9_.-]{1,64}\z")]
    private static partial Regex Token();
}
