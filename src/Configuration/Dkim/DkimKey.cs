using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Gatehouse.Configuration.Dkim;

/// <summary>
/// A DKIM signing key read from PEM: RSA (RFC 6376; 1024 bits at least, RFC 8301) or Ed25519
/// (RFC 8463), with the public key as its DNS record carries it.
/// </summary>
public sealed class DkimKey
{
    public const string Rsa = "rsa";
    public const string Ed25519 = "ed25519";

    /// <summary>RFC 8301: verifiers refuse shorter RSA keys, so a signer must not use them.</summary>
    public const int MinRsaBits = 1024;

    private DkimKey(string algorithm, int bits, AsymmetricKeyParameter privateKey, byte[] publicKey)
    {
        Algorithm = algorithm;
        Bits = bits;
        PrivateKey = privateKey;
        PublicKey = publicKey;
    }

    /// <summary><see cref="Rsa"/> or <see cref="Ed25519"/>: the record's <c>k=</c>.</summary>
    public string Algorithm { get; }

    public int Bits { get; }

    public AsymmetricKeyParameter PrivateKey { get; }

    /// <summary>What the record's <c>p=</c> holds: an RSA key's SubjectPublicKeyInfo, an Ed25519 key's 32 bytes.</summary>
    public byte[] PublicKey { get; }

    /// <summary>A new key: <c>rsa-2048</c>, <c>rsa-3072</c> or <c>ed25519</c>.</summary>
    public static string Generate(string kind)
    {
        switch (kind)
        {
            case "rsa-2048" or "rsa-3072":
                using (var rsa = RSA.Create(int.Parse(kind[4..], System.Globalization.CultureInfo.InvariantCulture)))
                {
                    return rsa.ExportPkcs8PrivateKeyPem();
                }

            case Ed25519:
                var generator = new Ed25519KeyPairGenerator();
                generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
                return Pkcs8Pem(generator.GenerateKeyPair().Private);
            default:
                throw new FormatException($"'{kind}' is not a signing key algorithm: use rsa-2048, rsa-3072 or ed25519");
        }
    }

    /// <summary>Reads an unencrypted PEM key (PKCS#8, or PKCS#1 for RSA); a clear <see cref="FormatException"/> otherwise.</summary>
    public static DkimKey Read(string pem)
    {
        if (pem.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            throw new FormatException("the key is encrypted: decrypt it first (openssl pkey -in KEY -out PLAIN)");
        }

        object? read;
        try
        {
            read = new PemReader(new StringReader(pem)).ReadObject();
        }
        catch (Exception e) when (e is IOException or PemException or ArgumentException or InvalidCastException)
        {
            throw new FormatException($"not a PEM private key ({e.Message})");
        }

        var key = read switch
        {
            AsymmetricCipherKeyPair pair => pair.Private,
            AsymmetricKeyParameter { IsPrivate: true } single => single,
            _ => throw new FormatException("not a PEM private key"),
        };
        return key switch
        {
            RsaPrivateCrtKeyParameters rsa when rsa.Modulus.BitLength < MinRsaBits =>
                throw new FormatException($"the RSA key has {rsa.Modulus.BitLength} bits; DKIM needs {MinRsaBits} at least (RFC 8301), 2048 is usual"),
            RsaPrivateCrtKeyParameters rsa => new DkimKey(Rsa, rsa.Modulus.BitLength, rsa,
                SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(new RsaKeyParameters(false, rsa.Modulus, rsa.PublicExponent)).GetDerEncoded()),
            Ed25519PrivateKeyParameters ed => new DkimKey(Ed25519, 256, ed, ed.GeneratePublicKey().GetEncoded()),
            _ => throw new FormatException("DKIM signs with RSA or Ed25519 keys only"),
        };
    }

    /// <summary>The key as it is stored: PKCS#8 PEM.</summary>
    public string ToPkcs8Pem() => Pkcs8Pem(PrivateKey);

    private static string Pkcs8Pem(AsymmetricKeyParameter key) =>
        PemEncoding.WriteString("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded());
}
