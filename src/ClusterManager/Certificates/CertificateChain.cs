using System.Security.Cryptography.X509Certificates;
using Gatehouse.ClusterManager.ClusterConfig;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// Checks intermediates given with a leaf (CERT-4): duplicates are dropped and reported; the
/// chain must link leaf → first intermediate → next, each signed by the one after it.
/// </summary>
internal static class CertificateChain
{
    public static (List<X509Certificate2> Intermediates, List<string> Notes) Check(X509Certificate2 leaf, IEnumerable<X509Certificate2> given)
    {
        var notes = new List<string>();
        var intermediates = new List<X509Certificate2>();
        foreach (var certificate in given)
        {
            if (certificate.Thumbprint == leaf.Thumbprint || intermediates.Any(i => i.Thumbprint == certificate.Thumbprint))
            {
                notes.Add($"dropped a duplicate certificate: {CertificateFiles.Describe(certificate)}");
                continue;
            }

            intermediates.Add(certificate);
        }

        var chain = intermediates.Prepend(leaf).ToList();
        for (var i = 0; i + 1 < chain.Count; i++)
        {
            if (SignedBy(chain[i], chain[i + 1]))
            {
                continue;
            }

            var issuer = intermediates.FindIndex(c => SignedBy(chain[i], c));
            var which = i == 0 ? "the certificate" : $"intermediate {i} ({chain[i].Subject})";
            throw new ChangeRejectedException(issuer >= 0
                ? $"the chain is out of order: {which} is issued by intermediate {issuer + 1} ({intermediates[issuer].Subject}), not by intermediate {i + 1} ({chain[i + 1].Subject}); list the intermediates from the leaf's issuer upwards"
                : $"the chain does not link: {which} is issued by {chain[i].Issuer}, but the next certificate given is {chain[i + 1].Subject}");
        }

        return (intermediates, notes);
    }

    /// <summary>True when <paramref name="issuer"/>'s key signed <paramref name="child"/>.</summary>
    public static bool SignedBy(X509Certificate2 child, X509Certificate2 issuer)
    {
        if (child.IssuerName.RawData.AsSpan().SequenceEqual(issuer.SubjectName.RawData) is false)
        {
            return false;
        }

        var parsedChild = new Org.BouncyCastle.X509.X509Certificate(child.RawData);
        var parsedIssuer = new Org.BouncyCastle.X509.X509Certificate(issuer.RawData);
        try
        {
            parsedChild.Verify(parsedIssuer.GetPublicKey());
            return true;
        }
        catch (Exception e) when (e is Org.BouncyCastle.Security.InvalidKeyException or Org.BouncyCastle.Security.Certificates.CertificateException or Org.BouncyCastle.Security.SignatureException)
        {
            return false;
        }
    }
}
