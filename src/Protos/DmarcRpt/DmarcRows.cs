using System.Text.Json.Serialization;

namespace Gatehouse.Cluster.DmarcRpt;

// The rows of a DMARC aggregate report (RFC 7489 appendix C): what a node records of the mail it
// checked and what the manager adds up across the cluster, so both read and write the same JSON.
// Names are the report's XML element names.

/// <summary>The DMARC record applied, as the report's <c>policy_published</c> states it.</summary>
public sealed record PublishedPolicy(
    [property: JsonPropertyName("domain")] string Domain,
    [property: JsonPropertyName("adkim")] string Adkim,
    [property: JsonPropertyName("aspf")] string Aspf,
    [property: JsonPropertyName("p")] string P,
    [property: JsonPropertyName("sp")] string Sp,
    [property: JsonPropertyName("pct")] int Pct,
    [property: JsonPropertyName("fo")] string Fo);

/// <summary>Why the disposition applied differs from the one the domain asked for.</summary>
public sealed record PolicyOverride(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("comment")] string? Comment);

/// <summary>One DKIM signature's result, uninterpreted with respect to DMARC.</summary>
public sealed record DkimAuthResult(
    [property: JsonPropertyName("domain")] string Domain,
    [property: JsonPropertyName("selector")] string? Selector,
    [property: JsonPropertyName("result")] string Result);

/// <summary>The SPF result for the MAIL FROM domain (scope mfrom) or, with an empty MAIL FROM, the HELO name.</summary>
public sealed record SpfAuthResult(
    [property: JsonPropertyName("domain")] string Domain,
    [property: JsonPropertyName("scope")] string Scope,
    [property: JsonPropertyName("result")] string Result);

/// <summary>
/// Messages of one day alike in everything a report row and its identifiers and results say:
/// from one source address, for one header From domain, under one policy, with the same results.
/// </summary>
public sealed class DmarcRow
{
    [JsonPropertyName("policy_published")]
    public PublishedPolicy Policy { get; init; } = null!;

    [JsonPropertyName("source_ip")]
    public string SourceIp { get; init; } = "";

    [JsonPropertyName("header_from")]
    public string HeaderFrom { get; init; } = "";

    [JsonPropertyName("envelope_from")]
    public string EnvelopeFrom { get; init; } = "";

    /// <summary>What was done: none, quarantine or reject.</summary>
    [JsonPropertyName("disposition")]
    public string Disposition { get; init; } = "none";

    /// <summary>The DMARC-aligned results: pass or fail.</summary>
    [JsonPropertyName("dkim")]
    public string Dkim { get; init; } = "fail";

    [JsonPropertyName("spf")]
    public string Spf { get; init; } = "fail";

    [JsonPropertyName("reasons")]
    public List<PolicyOverride> Reasons { get; init; } = [];

    [JsonPropertyName("dkim_results")]
    public List<DkimAuthResult> DkimResults { get; init; } = [];

    [JsonPropertyName("spf_result")]
    public SpfAuthResult SpfResult { get; init; } = null!;

    [JsonPropertyName("count")]
    public long Count { get; set; }

    /// <summary>What tells rows apart: everything but the count.</summary>
    [JsonIgnore]
    public string Key => string.Join('\n',
        Policy, SourceIp, HeaderFrom.ToLowerInvariant(), EnvelopeFrom.ToLowerInvariant(), Disposition, Dkim, Spf,
        string.Join(';', Reasons), string.Join(';', DkimResults), SpfResult);
}
