using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.ClusterManager.ClusterConfig;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// Reads private keys in the PEM forms admins bring — PKCS#8, PKCS#1, SEC1, encrypted
/// PKCS#8, and OpenSSL's legacy <c>Proc-Type: 4,ENCRYPTED</c> — and holds them as PKCS#8 PEM.
/// </summary>
internal static class PrivateKeys
{
    public static AsymmetricAlgorithm Load(string pem, string? passphrase = null)
    {
        if (pem.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            return LoadLegacyEncrypted(pem, passphrase);
        }

        var encrypted = pem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        if (encrypted && string.IsNullOrEmpty(passphrase))
        {
            throw new ChangeRejectedException("the private key is encrypted; give its passphrase");
        }

        Exception? last = null;
        foreach (var create in new Func<AsymmetricAlgorithm>[] { RSA.Create, ECDsa.Create })
        {
            var key = create();
            try
            {
                if (encrypted)
                {
                    key.ImportFromEncryptedPem(pem, passphrase);
                }
                else
                {
                    key.ImportFromPem(pem);
                }

                return key;
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException or PlatformNotSupportedException)
            {
                // PlatformNotSupported: a curve OpenSSL does not know.
                key.Dispose();
                last = e;
            }
        }

        throw new ChangeRejectedException(encrypted
            ? "the private key cannot be decrypted: wrong passphrase, or not an RSA or ECDSA key"
            : $"the private key is not a valid RSA or ECDSA PEM key ({last?.Message})");
    }

    public static string ToPkcs8Pem(AsymmetricAlgorithm key) => key.ExportPkcs8PrivateKeyPem();

    /// <summary>True when the key is the private half of the certificate's public key.</summary>
    public static bool Matches(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        var mine = key switch
        {
            RSA rsa => rsa.ExportSubjectPublicKeyInfo(),
            ECDsa ecdsa => ecdsa.ExportSubjectPublicKeyInfo(),
            _ => [],
        };
        return mine.AsSpan().SequenceEqual(certificate.PublicKey.ExportSubjectPublicKeyInfo());
    }

    public static X509Certificate2 WithKey(X509Certificate2 certificate, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => certificate.CopyWithPrivateKey(rsa),
        ECDsa ecdsa => certificate.CopyWithPrivateKey(ecdsa),
        _ => throw new ChangeRejectedException("only RSA and ECDSA keys are supported"),
    };

    // .NET does not read OpenSSL's legacy encrypted PEM; BouncyCastle does.
    private static AsymmetricAlgorithm LoadLegacyEncrypted(string pem, string? passphrase)
    {
        if (string.IsNullOrEmpty(passphrase))
        {
            throw new ChangeRejectedException("the private key is encrypted; give its passphrase");
        }

        object? read;
        try
        {
            read = new PemReader(new StringReader(pem), new Passphrase(passphrase)).ReadObject();
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // BouncyCastle reports damaged input with many types (PEM, cipher, ASN.1, index and
            // state errors, as fuzzing found): every one is a key that cannot be read.
            throw new ChangeRejectedException("the private key cannot be decrypted: wrong passphrase or damaged key");
        }

        var pair = read as Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair
            ?? throw new ChangeRejectedException("the PEM block is not a private key");
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetEncoded();
        return Load(PemEncoding.WriteString("PRIVATE KEY", pkcs8));
    }

    private sealed class Passphrase(string value) : IPasswordFinder
    {
        public char[] GetPassword() => value.ToCharArray();
    }
}
