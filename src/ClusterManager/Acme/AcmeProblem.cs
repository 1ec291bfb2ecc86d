namespace Gatehouse.ClusterManager.Acme;

/// <summary>An ACME server's problem document (RFC 8555 §6.7, RFC 7807): its type, detail and HTTP status.</summary>
internal sealed class AcmeProblemException(string type, string detail, int status)
    : Exception($"{Short(type)} ({status}): {detail}")
{
    public const string BadNonce = "urn:ietf:params:acme:error:badNonce";

    public string Type => type;

    public string Detail => detail;

    public int Status => status;

    private static string Short(string type) => type.StartsWith("urn:ietf:params:acme:error:", StringComparison.Ordinal) ? type["urn:ietf:params:acme:error:".Length..] : type;
}
