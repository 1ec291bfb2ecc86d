using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Dkim;
using MimeKit;
using MimeKit.Cryptography;

namespace Gatehouse.Node.Dkim;

/// <summary>What signing did with one message: the header to add, or why there is none; <c>Covered</c> when a profile applied.</summary>
internal sealed record Signature(string? Header, string Detail, bool Covered = true);

/// <summary>
/// DKIM signing (RFC 6376, RFC 8463) of a message just received, before it is queued: the
/// profile of its From domain, or of the nearest parent domain that has one, signs it once; the
/// signature travels with the envelope and goes out after the node's Received line. The mail the
/// node writes itself (TLS reports, alerts) is signed the same way as it is made.
/// </summary>
internal static class MessageSigning
{
    // RFC 6376 section 5.4.1, and what identifies the message and its MIME structure.
    private static readonly string[] DefaultHeaders =
    [
        "From", "Reply-To", "Subject", "Date", "To", "Cc", "Resent-Date", "Resent-From", "Resent-To", "Resent-Cc", "In-Reply-To", "References",
        "List-Id", "List-Help", "List-Unsubscribe", "List-Subscribe", "List-Post", "List-Owner", "List-Archive", "Message-ID", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding",
    ];


    /// <summary>
    /// Signs <paramref name="message"/> in place (its DKIM-Signature header added first), or says
    /// why not; a message that cannot be signed is still accepted, unsigned.
    /// </summary>
    public static Signature Sign(LevelConfig config, MimeMessage message)
    {
        try
        {
            return SignOrSkip(config, message);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or System.Security.Cryptography.CryptographicException or Org.BouncyCastle.Crypto.CryptoException)
        {
            return new Signature(null, $"not signed: {e.Message}");
        }
    }

    private static Signature SignOrSkip(LevelConfig config, MimeMessage message)
    {
        var from = message.From.Mailboxes.ToList();
        if (from.Count != 1 || from[0].Domain.Length == 0)
        {
            return new Signature(null, "not signed: the message has no single From address", Covered: false);
        }

        var domain = from[0].Domain;
        if (DkimProfiles.For(config, domain) is not { } profile)
        {
            return new Signature(null, $"not signed: no profile covers {domain}", Covered: false);
        }

        var signer = new Signer(ReadKey.Of(config, profile), profile.Domain, profile.Selector)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = profile.Canonicalization == "relaxed/simple" ? DkimCanonicalizationAlgorithm.Simple : DkimCanonicalizationAlgorithm.Relaxed,
        };
        signer.Sign(message, Fields(message, profile));
        return new Signature($"DKIM-Signature: {Unfold(message.Headers.First(h => h.Id == HeaderId.DkimSignature))}", $"signed with profile {profile.Name} (d={profile.Domain}, s={profile.Selector}) for {domain}");
    }

    // The profile's list, or the default set as far as the message has those fields, with From
    // listed once more than it occurs: a From added on the way invalidates the signature.
    internal static List<string> Fields(MimeMessage message, DkimProfile profile)
    {
        if (profile.Headers.Count > 0)
        {
            return [.. profile.Headers];
        }

        var present = message.Headers.Select(h => h.Field).Concat(message.Body?.Headers.Select(h => h.Field) ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. DefaultHeaders.Where(present.Contains), "From"];
    }

    private sealed class Signer(ReadKey key, string domain, string selector) : DkimSigner(key.Key.PrivateKey, domain, selector, key.Algorithm)
    {
        protected override Org.BouncyCastle.Crypto.ISigner CreateSigningContext() => key.PlatformSigner() ?? base.CreateSigningContext();
    }

    // Relaxed canonicalization unfolds the header; the relay folds it anew on the way out.
    internal static string Unfold(Header header) =>
        System.Text.Encoding.ASCII.GetString(header.RawValue).Replace("\r\n", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
}
