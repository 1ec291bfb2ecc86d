using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Dkim;

namespace Gatehouse.Node.Dkim;

/// <summary>A signing key as read once: BouncyCastle's form for MimeKit, the platform's RSA for the signing itself.</summary>
internal sealed record ReadKey(DkimKey Key, RSA? Rsa)
{
    // Keys read once per committed version (the snapshot's entries are replaced, never changed).
    private static readonly ConditionalWeakTable<SigningKey, ReadKey> Keys = [];

    public MimeKit.Cryptography.DkimSignatureAlgorithm Algorithm =>
        Rsa is null ? MimeKit.Cryptography.DkimSignatureAlgorithm.Ed25519Sha256 : MimeKit.Cryptography.DkimSignatureAlgorithm.RsaSha256;

    /// <summary>The key of a profile, as the configuration holds it.</summary>
    public static ReadKey Of(LevelConfig config, DkimProfile profile) =>
        Keys.GetValue(config.SigningKeys.First(k => k.Name.Equals(profile.Key, StringComparison.OrdinalIgnoreCase)), Read);

    /// <summary>The signing context: the platform's RSA where the key is RSA.</summary>
    public Org.BouncyCastle.Crypto.ISigner? PlatformSigner() => Rsa is { } rsa ? new PlatformRsaSigner(rsa) : null;

    private static ReadKey Read(SigningKey entry)
    {
        var key = DkimKey.Read(entry.PrivateKeyPem);
        RSA? rsa = null;
        if (key.Algorithm == DkimKey.Rsa)
        {
            rsa = RSA.Create();
            rsa.ImportFromPem(entry.PrivateKeyPem);
        }

        return new ReadKey(key, rsa);
    }
}
