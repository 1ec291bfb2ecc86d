using Gatehouse.Cluster.V1;
using MimeKit;
using MimeKit.Cryptography;

namespace Gatehouse.Node.Dkim;

/// <summary>What sealing did with one message: the ARC set's three header lines, or why there are none.</summary>
internal sealed record Seal(IReadOnlyList<string>? Headers, string Detail);

/// <summary>
/// ARC sealing (RFC 8617 section 5.1) as this domain's gateway, after the checks: the node's
/// results become the next ARC-Authentication-Results, an ARC-Message-Signature covers the
/// message as a DKIM signature of the profile would, and the ARC-Seal covers the chain with
/// <c>cv=</c> the chain's result (none for the first set). A chain that already failed is not
/// sealed again (section 5.1.2).
/// </summary>
internal static class ArcSealing
{
    /// <param name="results">The node's Authentication-Results header value: authserv-id; method=result; …</param>
    public static Seal Apply(LevelConfig config, string profileName, MimeMessage message, string results)
    {
        if (config.DkimProfiles.FirstOrDefault(p => p.Name.Equals(profileName, StringComparison.OrdinalIgnoreCase)) is not { } profile)
        {
            return new Seal(null, $"not sealed: no profile {profileName}");
        }

        if (!AuthenticationResults.TryParse(System.Text.Encoding.ASCII.GetBytes(results), out var parsed))
        {
            return new Seal(null, "not sealed: the node's results do not parse");
        }

        try
        {
            var before = message.Headers.Count;
            new Sealer(ReadKey.Of(config, profile), profile.Domain, profile.Selector, parsed).Sign(message, MessageSigning.Fields(message, profile));
            if (message.Headers.Count == before)
            {
                return new Seal(null, "not sealed: the chain had already failed");
            }

            var set = message.Headers.Take(3).Select(h => $"{h.Field}: {MessageSigning.Unfold(h)}").ToList();
            var instance = parsed.Instance ?? 0;
            return new Seal(set, $"sealed as i={instance} with profile {profile.Name} (d={profile.Domain}, s={profile.Selector})");
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or System.Security.Cryptography.CryptographicException or Org.BouncyCastle.Crypto.CryptoException)
        {
            return new Seal(null, $"not sealed: {e.Message}");
        }
    }

    private sealed class Sealer(ReadKey key, string domain, string selector, AuthenticationResults results) : ArcSigner(key.Key.PrivateKey, domain, selector, key.Algorithm)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) => results;

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(results);

        protected override Org.BouncyCastle.Crypto.ISigner CreateSigningContext() => key.PlatformSigner() ?? base.CreateSigningContext();
    }
}
