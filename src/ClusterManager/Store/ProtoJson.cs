using System.Text;
using Google.Protobuf;

namespace Gatehouse.ClusterManager.Store;

/// <summary>The JSON form of schema messages used on disk and in the REST API: snake_case names.</summary>
internal static class ProtoJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default);

    public static string Format(IMessage message) => Formatter.Format(message);

    public static byte[] FormatBytes(IMessage message) => Encoding.UTF8.GetBytes(Format(message));

    public static T Parse<T>(string json)
        where T : IMessage<T>, new() => Parser.Parse<T>(json);
}
