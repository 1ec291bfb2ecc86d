using System.Text.Json.Serialization;

namespace Gatehouse.Node.Hosting;

/// <summary>One queue command sent to the running node over its control socket.</summary>
internal sealed record QueueControlRequest
{
    /// <summary><c>suspend</c>, <c>resume</c>, <c>flush</c>, <c>delete</c>, <c>bounce</c>, <c>suspended</c>, <c>summary</c>, <c>redirect</c> or <c>release</c>.</summary>
    public string Op { get; init; } = "";

    public string? Domain { get; init; }

    public long? Mid { get; init; }

    /// <summary>For <c>redirect</c>: host, host:port or [host]:port.</summary>
    public string? RedirectTo { get; init; }
}

/// <summary>The node's answer: done, or why not.</summary>
internal sealed record QueueControlAnswer(bool Ok, string Message);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(QueueControlRequest))]
[JsonSerializable(typeof(QueueControlAnswer))]
internal sealed partial class QueueControlJson : JsonSerializerContext;
