using System.Text.Json;

namespace Gatehouse.Node.Alerts;

/// <summary>When an alert (by key) may be sent again, and the wait that was last applied.</summary>
internal sealed record AlertBackoff(DateTimeOffset NextAllowed, long WaitSeconds)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Dictionary<string, AlertBackoff> Load(string path)
    {
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize<Dictionary<string, AlertBackoff>>(File.ReadAllBytes(path), Json) ?? []
                : [];
        }
        catch (JsonException)
        {
            // An unreadable file only means alerts may repeat sooner once; nothing else depends on it.
            return [];
        }
    }

    public static byte[] Serialize(Dictionary<string, AlertBackoff> sent) => JsonSerializer.SerializeToUtf8Bytes(sent, Json);
}
