using MimeKit;
using MimeKit.Cryptography;

namespace Gatehouse.Node.Authentication;

/// <summary>The ARC chain's result (RFC 8617): none, pass or fail, with how many hops sealed it.</summary>
internal sealed record ArcCheck(string Result, int Instances = 0, string? Reason = null)
{
    /// <summary>The method's part of an Authentication-Results header.</summary>
    public string AuthenticationResult =>
        Result switch
        {
            "none" => "arc=none",
            "pass" => $"arc=pass (i={Instances})",
            _ => $"arc={Result} reason=\"{Reason}\"",
        };

    public string LogText => Result == "none" ? "none (no ARC set)" : Reason is null ? $"{Result} (i={Instances})" : $"{Result} (i={Instances} {Reason})";
}

/// <summary>
/// Verification of a message's Authenticated Received Chain (RFC 8617): each ARC-Seal and the
/// latest ARC-Message-Signature against the keys their domains publish (the same key rules as
/// DKIM). The result is said; what to trust of an earlier hop's results is the reader's policy.
/// </summary>
internal static class ArcVerification
{
    public static async Task<ArcCheck> CheckAsync(MimeMessage message, IDkimPublicKeyLocator keys, CancellationToken cancel)
    {
        var instances = message.Headers.Count(h => h.Id == HeaderId.ArcSeal);
        if (instances == 0)
        {
            return new ArcCheck("none");
        }

        try
        {
            var result = await new ArcVerifier(keys) { MinimumRsaKeyLength = DkimVerification.MinimumRsaBits }.VerifyAsync(message, cancel);
            return result.Chain switch
            {
                ArcSignatureValidationResult.Pass => new ArcCheck("pass", instances),
                ArcSignatureValidationResult.None => new ArcCheck("none"),
                _ => new ArcCheck("fail", instances, result.ChainErrors == ArcValidationErrors.None ? "a seal or the message signature did not verify" : $"chain errors: {result.ChainErrors}"),
            };
        }
        catch (KeyLookupException e)
        {
            return new ArcCheck(e.Result == "temperror" ? "temperror" : "fail", instances, e.Message);
        }
        catch (Exception e) when (e is FormatException or ParseException or ArgumentException or NotSupportedException or Org.BouncyCastle.Crypto.CryptoException)
        {
            return new ArcCheck("fail", instances, "malformed ARC header");
        }
    }
}
