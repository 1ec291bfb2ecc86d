using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Tls;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Web;

/// <summary>
/// Whether a client certificate may read an interface's /status and /metrics: for client use,
/// chaining to the interface's own <c>client_ca_pem</c> (not the system bundle nor the cluster's
/// trusted CAs), and, where the interface pins subjects or public keys, one of them.
/// </summary>
internal static class HttpsClientTrust
{
    /// <summary>Null when the certificate may read; otherwise why not.</summary>
    public static string? Problem(X509Certificate2 presented, HttpsService https, IEnumerable<X509Certificate2> extra, IReadOnlyList<RevocationList> revoked)
    {
        if (!https.AcceptClientCertificates || https.ClientCaPem.Length == 0)
        {
            return "client certificates are not accepted on this interface";
        }

        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPem(https.ClientCaPem);
            if ((TrustedCas.ClientProblem(presented, roots, extra) ?? Revocation.Problem(presented, extra, revoked)) is { } problem)
            {
                return problem;
            }
        }
        finally
        {
            foreach (var root in roots)
            {
                root.Dispose();
            }
        }

        if (https.ClientSubjects.Count == 0 && https.ClientSpkiSha256.Count == 0)
        {
            return null;
        }

        var subject = presented.SubjectName.Name;
        var key = Convert.ToBase64String(SHA256.HashData(presented.PublicKey.ExportSubjectPublicKeyInfo()));
        return https.ClientSubjects.Any(s => new X500DistinguishedName(s).Name == subject) || https.ClientSpkiSha256.Contains(key)
            ? null
            : "neither its subject nor its public key is one this interface pins";
    }
}
