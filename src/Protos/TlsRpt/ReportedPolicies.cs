using System.Text.Json.Serialization;

namespace Gatehouse.Cluster.TlsRpt;

// The elements of an RFC 8460 report's policies array: what a node records of its sessions and
// what the manager adds up across the cluster, so both read and write the same JSON.

/// <summary>The policy a session was made under, as RFC 8460 §4.3 names it: <c>sts</c>, <c>tlsa</c> or <c>no-policy-found</c>.</summary>
public sealed record ReportedPolicy(
    [property: JsonPropertyName("policy-type")] string Type,
    [property: JsonPropertyName("policy-string")] IReadOnlyList<string> Strings,
    [property: JsonPropertyName("policy-domain")] string Domain,
    [property: JsonPropertyName("mx-host")] IReadOnlyList<string> MxHosts);

/// <summary>One kind of failure, from one sending address to one receiving host, with how many sessions it ended.</summary>
public sealed class FailureDetail
{
    [JsonPropertyName("result-type")]
    public string ResultType { get; init; } = "";

    [JsonPropertyName("sending-mta-ip")]
    public string SendingMtaIp { get; init; } = "";

    [JsonPropertyName("receiving-mx-hostname")]
    public string ReceivingMxHostname { get; init; } = "";

    [JsonPropertyName("receiving-ip")]
    public string ReceivingIp { get; init; } = "";

    [JsonPropertyName("failed-session-count")]
    public long FailedSessionCount { get; set; }
}

/// <summary>The sessions of one day under one policy: the <c>policies[]</c> element of an RFC 8460 report.</summary>
public sealed class PolicyRecord
{
    [JsonPropertyName("policy")]
    public ReportedPolicy Policy { get; set; } = null!;

    [JsonPropertyName("summary")]
    public Summary Summary { get; init; } = new();

    [JsonPropertyName("failure-details")]
    public List<FailureDetail> FailureDetails { get; init; } = [];
}

public sealed class Summary
{
    [JsonPropertyName("total-successful-session-count")]
    public long Successful { get; set; }

    [JsonPropertyName("total-failure-session-count")]
    public long Failed { get; set; }
}
