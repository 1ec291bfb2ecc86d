using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.Membership;
using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Tls;

/// <summary>
/// The trust anchors for verifying peers (CERT-8): the custom CA list, plus the operating
/// system's bundle when it is enabled. Built once per snapshot.
/// </summary>
internal static class TrustedCas
{
    public const string SystemBundle = "/etc/ssl/certs/ca-certificates.crt";

    // The anchors last built, with what they were built from: a version that changes neither the
    // custom list nor the setting, while the bundle file is the same, reuses them.
    private static readonly Lock Gate = new();
    private static (string Key, X509Certificate2Collection Roots)? last;

    /// <param name="systemBundleProblem">Why the operating system's bundle could not be read, when it could not.</param>
    public static X509Certificate2Collection Load(TrustedCaSettings? settings, out string? systemBundleProblem)
    {
        var bundle = new FileInfo(SystemBundle);
        var key = $"{settings?.SystemBundleEnabled ?? true}|{(bundle.Exists ? $"{bundle.Length}|{bundle.LastWriteTimeUtc.Ticks}" : "-")}|{string.Join('\n', settings?.CustomPem ?? [])}";
        lock (Gate)
        {
            if (last is { } cached && cached.Key == key)
            {
                systemBundleProblem = null;
                return cached.Roots;
            }
        }

        var roots = Build(settings, out systemBundleProblem);
        if (systemBundleProblem is null)
        {
            lock (Gate)
            {
                last = (key, roots);
            }
        }

        return roots;
    }

    private static X509Certificate2Collection Build(TrustedCaSettings? settings, out string? systemBundleProblem)
    {
        systemBundleProblem = null;
        var roots = new X509Certificate2Collection();
        foreach (var pem in settings?.CustomPem ?? [])
        {
            roots.Add(X509Certificate2.CreateFromPem(pem));
        }

        if ((settings?.SystemBundleEnabled ?? true) && File.Exists(SystemBundle))
        {
            try
            {
                roots.ImportFromPemFile(SystemBundle);
            }
            catch (CryptographicException e)
            {
                // An unreadable OS bundle leaves only the custom list; the caller says so.
                systemBundleProblem = e.Message;
            }
        }

        return roots;
    }

    /// <summary>
    /// Null when the certificate chains to one of the roots and is within its validity
    /// period; otherwise what is wrong, for the log.
    /// </summary>
    public static string? Problem(X509Certificate2 certificate, X509Certificate2Collection roots, IEnumerable<X509Certificate2> extra) =>
        PrivateTrust.Problem(certificate, roots, extra);

    /// <summary>
    /// Like <see cref="Problem"/> for a TLS client's certificate, which must also name clientAuth
    /// among its extended key usages: one without any, or for servers only, is no client's.
    /// </summary>
    public static string? ClientProblem(X509Certificate2 certificate, X509Certificate2Collection roots, IEnumerable<X509Certificate2> extra) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Any(e => e.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value == PrivateTrust.ClientAuth.Value))
            ? PrivateTrust.Problem(certificate, roots, extra, PrivateTrust.ClientAuth)
            : "not a TLS client certificate (no clientAuth extended key usage)";
}
