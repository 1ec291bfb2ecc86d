using System.Globalization;
using MimeKit;
using MimeKit.Cryptography;

namespace Gatehouse.Node.Authentication;

/// <summary>
/// DKIM verification (RFC 6376; Ed25519 per RFC 8463) of a message as received: its first
/// <see cref="MaxSignatures"/> signatures, each against the key its domain publishes. rsa-sha1
/// and RSA keys under 1024 bits are refused by policy (RFC 8301); an expired signature fails.
/// </summary>
internal static class DkimVerification
{
    /// <summary>More are not looked at: each costs the sender nothing and the node a DNS query.</summary>
    public const int MaxSignatures = 5;

    public const int MinimumRsaBits = 1024;

    public static async Task<IReadOnlyList<DkimCheck>> CheckAsync(MimeMessage message, IDkimPublicKeyLocator keys, DateTimeOffset now, CancellationToken cancel)
    {
        var signatures = message.Headers.Where(h => h.Id == HeaderId.DkimSignature).Take(MaxSignatures).ToList();
        if (signatures.Count == 0)
        {
            return [DkimCheck.None];
        }

        var verifier = new DkimVerifier(new LongEnoughKeys(keys)) { MinimumRsaKeyLength = MinimumRsaBits };
        var checks = new List<DkimCheck>(signatures.Count);
        foreach (var signature in signatures)
        {
            checks.Add(await CheckAsync(verifier, message, signature, now, cancel));
        }

        return checks;
    }

    private static async Task<DkimCheck> CheckAsync(DkimVerifier verifier, MimeMessage message, Header signature, DateTimeOffset now, CancellationToken cancel)
    {
        var tags = Tags(signature.Value);
        if (DkimCheck.Of("permerror", tags) is { Domain: null } or { Selector: null })
        {
            return DkimCheck.Of("permerror", tags, "the signature has no valid d= or s=");
        }

        if (tags.GetValueOrDefault("a")?.Equals("rsa-sha1", StringComparison.OrdinalIgnoreCase) == true)
        {
            return DkimCheck.Of("policy", tags, "rsa-sha1 is not accepted");
        }

        if (tags.TryGetValue("x", out var x) && long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var expires) && expires < now.ToUnixTimeSeconds())
        {
            return DkimCheck.Of("fail", tags, "signature expired");
        }

        try
        {
            return await verifier.VerifyAsync(message, signature, cancel)
                ? DkimCheck.Of("pass", tags)
                : DkimCheck.Of("fail", tags, "signature did not verify");
        }
        catch (KeyLookupException e)
        {
            return DkimCheck.Of(e.Result, tags, e.Message);
        }
        catch (Exception e) when (e is FormatException or ParseException or ArgumentException or NotSupportedException or Org.BouncyCastle.Crypto.CryptoException)
        {
            return DkimCheck.Of("permerror", tags, "malformed signature");
        }
    }

    // tag=value pairs (RFC 6376 section 3.2), whitespace inside values dropped; the first of a repeated tag.
    private static Dictionary<string, string> Tags(string value)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in value.Split(';'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                tags.TryAdd(pair[..equals].Trim(), string.Concat(pair[(equals + 1)..].Where(c => !char.IsWhiteSpace(c))));
            }
        }

        return tags;
    }

    // Said as such: MimeKit's own minimum makes a short key an unexplained failure.
    private sealed class LongEnoughKeys(IDkimPublicKeyLocator keys) : IDkimPublicKeyLocator
    {
        public Org.BouncyCastle.Crypto.AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Checked(keys.LocatePublicKey(methods, domain, selector, cancellationToken));

        public async Task<Org.BouncyCastle.Crypto.AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Checked(await keys.LocatePublicKeyAsync(methods, domain, selector, cancellationToken));

        private static Org.BouncyCastle.Crypto.AsymmetricKeyParameter Checked(Org.BouncyCastle.Crypto.AsymmetricKeyParameter key) =>
            key is Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters rsa && rsa.Modulus.BitLength < MinimumRsaBits
                ? throw new KeyLookupException("policy", $"RSA key of {rsa.Modulus.BitLength} bits, {MinimumRsaBits} at least")
                : key;
    }
}
