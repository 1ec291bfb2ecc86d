using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.ClusterManager.ClusterConfig;
using Org.BouncyCastle.Pkcs;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// PKCS#12 import (CERT-5), modern and legacy (RC2-40, 3DES), and export with AES-256
/// (CERT-6). Import yields the leaf with its key and the intermediates; self-signed roots
/// in the file are left out, since peers must already trust them.
/// </summary>
internal static class Pkcs12Files
{
    public sealed record Imported(X509Certificate2 Leaf, AsymmetricAlgorithm Key, List<X509Certificate2> Others);

    public static Imported Import(byte[] data, string password)
    {
        Pkcs12Limits.CheckSize(data);
        try
        {
            var collection = X509CertificateLoader.LoadPkcs12Collection(data, password, X509KeyStorageFlags.Exportable);
            var leaf = collection.FirstOrDefault(c => c.HasPrivateKey)
                ?? throw new ChangeRejectedException("the PKCS#12 file holds no private key");
            var key = (AsymmetricAlgorithm?)leaf.GetRSAPrivateKey() ?? leaf.GetECDsaPrivateKey()
                ?? throw new ChangeRejectedException("the PKCS#12 key is neither RSA nor ECDSA");
            return new Imported(leaf, Exportable(key), collection.Where(c => c != leaf && !IsSelfSigned(c)).ToList());
        }
        catch (Pkcs12LoadLimitExceededException e)
        {
            throw new ChangeRejectedException($"the PKCS#12 file exceeds the import limits: {e.Message}");
        }
        catch (CryptographicException modern)
        {
            // .NET refuses some legacy algorithms; BouncyCastle reads them, and tells a wrong
            // password (MAC mismatch) from a damaged file — within .NET's limits, checked first.
            return ImportLegacy(data, password, modern);
        }
    }

    public static byte[] Export(X509Certificate2 leafWithKey, IEnumerable<X509Certificate2> intermediates, string password)
    {
        var collection = new X509Certificate2Collection(leafWithKey);
        collection.AddRange(intermediates.ToArray());
        return collection.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password);
    }

    private static Imported ImportLegacy(byte[] data, string password, CryptographicException modern)
    {
        Pkcs12Limits.CheckIterations(data);
        Pkcs12Store store;
        try
        {
            store = new Pkcs12StoreBuilder().Build();
            store.Load(new MemoryStream(data), password.ToCharArray());
        }
        catch (IOException e) when (e.Message.Contains("wrong password", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("MAC", StringComparison.Ordinal))
        {
            throw new ChangeRejectedException("the PKCS#12 password is wrong");
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // BouncyCastle reports a damaged file with many types (ASN.1 parsing, unknown
            // algorithms, state errors, as fuzzing found): every one is a file that cannot be read.
            throw new ChangeRejectedException($"the file is not a readable PKCS#12 file ({modern.Message})");
        }

        var alias = store.Aliases.FirstOrDefault(store.IsKeyEntry)
            ?? throw new ChangeRejectedException("the PKCS#12 file holds no private key");
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(store.GetKey(alias).Key).GetEncoded();
        var key = PrivateKeys.Load(PemEncoding.WriteString("PRIVATE KEY", pkcs8));
        var chain = store.GetCertificateChain(alias)?.Select(e => X509CertificateLoader.LoadCertificate(e.Certificate.GetEncoded())).ToList()
            ?? [X509CertificateLoader.LoadCertificate(store.GetCertificate(alias).Certificate.GetEncoded())];
        var leaf = chain[0];
        var others = store.Aliases.Where(a => a != alias && store.IsCertificateEntry(a))
            .Select(a => X509CertificateLoader.LoadCertificate(store.GetCertificate(a).Certificate.GetEncoded()))
            .Concat(chain.Skip(1))
            .Where(c => !IsSelfSigned(c))
            .DistinctBy(c => c.Thumbprint)
            .ToList();
        return new Imported(leaf, key, others);
    }

    // Keys loaded from PKCS#12 may not allow plain export; re-import them through PKCS#8.
    private static AsymmetricAlgorithm Exportable(AsymmetricAlgorithm key)
    {
        var password = "transfer";
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1);
        var encrypted = key.ExportEncryptedPkcs8PrivateKey(password, pbe);
        AsymmetricAlgorithm copy = key is RSA ? RSA.Create() : ECDsa.Create();
        copy.ImportEncryptedPkcs8PrivateKey(password, encrypted, out _);
        return copy;
    }

    private static bool IsSelfSigned(X509Certificate2 certificate) =>
        certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData) && CertificateChain.SignedBy(certificate, certificate);
}
