using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.Membership;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Runtime;

/// <summary>
/// The node's own certificate over its life (renewed in <see cref="RenewalWindow"/>): a new key
/// and request, and a renewed key and certificate replacing the old pair so that a crash at any
/// point leaves a pair that matches.
/// </summary>
internal static class NodeCertificateFiles
{
    /// <summary>A new key and a request for it under the node's name.</summary>
    public static (ECDsa Key, string CsrPem) NewRequest(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(name);
        return (key, new CertificateRequest(subject.Build(), key, HashAlgorithmName.SHA256).CreateSigningRequestPem());
    }

    /// <summary>Checks the manager's answer (our key, our CA, client use) and puts it in place; null when done, else why not.</summary>
    public static string? Install(NodePaths paths, ECDsa key, string certificatePem, X509Certificate2 clusterCa)
    {
        using var issued = X509Certificate2.CreateFromPem(certificatePem);
        if (issued.GetECDsaPublicKey()?.ExportSubjectPublicKeyInfo() is not { } issuedKey
            || !issuedKey.AsSpan().SequenceEqual(key.ExportSubjectPublicKeyInfo()))
        {
            return "the renewed certificate is not for the key this node sent";
        }

        if (PrivateTrust.Problem(issued, [clusterCa], usage: PrivateTrust.ClientAuth) is { } problem)
        {
            return $"the renewed certificate does not chain to the cluster CA: {problem}";
        }

        AtomicFile.Write(NextKey(paths), System.Text.Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem()), privateFile: true);
        AtomicFile.Write(NextCertificate(paths), System.Text.Encoding.ASCII.GetBytes(certificatePem));
        FinishReplacement(paths);
        return null;
    }

    /// <summary>
    /// Completes a replacement that a crash interrupted: the new certificate is written last,
    /// so a new key without it is dropped, and a new certificate with or without its key goes in.
    /// </summary>
    public static void FinishReplacement(NodePaths paths)
    {
        if (!File.Exists(NextCertificate(paths)))
        {
            File.Delete(NextKey(paths));
            return;
        }

        if (File.Exists(NextKey(paths)))
        {
            File.Move(NextKey(paths), paths.Key, overwrite: true);
        }

        File.Move(NextCertificate(paths), paths.Certificate, overwrite: true);
        AtomicFile.FlushDirectory(Path.GetDirectoryName(paths.Certificate)!);
    }

    private static string NextKey(NodePaths paths) => paths.Key + ".next";

    private static string NextCertificate(NodePaths paths) => paths.Certificate + ".next";
}
