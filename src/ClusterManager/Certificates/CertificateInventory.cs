using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>One certificate as <c>certconfig list</c> shows it (CERT-7: days left).</summary>
internal sealed record CertificateRow(
    string Name, string Level, string Subject, string Issuer, DateTimeOffset NotAfter, int DaysLeft,
    bool Demo, bool SelfSigned, string KeyType, int Intermediates, bool RenewalPending, IReadOnlyList<string> UsedBy);

internal static class CertificateInventory
{
    public static List<CertificateRow> List(ConfigurationSet set, TimeProvider time)
    {
        var rows = new List<CertificateRow>();
        Add(rows, "cluster", set.Cluster, set.Cluster, time);
        foreach (var (machine, level) in set.Machines.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            Add(rows, $"machine {machine}", level, ConfigMerge.Merge(set.Cluster, level).Config, time);
        }

        return rows;
    }

    private static void Add(List<CertificateRow> rows, string levelName, LevelConfig level, LevelConfig usersScope, TimeProvider time)
    {
        foreach (var entry in level.Certificates)
        {
            using var certificate = X509Certificate2.CreateFromPem(entry.CertificatePem);
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
            rows.Add(new CertificateRow(
                entry.Name, levelName, certificate.Subject, certificate.Issuer, notAfter,
                (int)Math.Floor((notAfter - time.GetUtcNow()).TotalDays),
                entry.Demo, certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData),
                KeyType(certificate), entry.IntermediatesPem.Count, entry.PendingPrivateKeyPem.Length > 0 || entry.PendingCsrPem.Length > 0,
                CertificateUsers.In(usersScope, entry.Name).ToList()));
        }
    }

    private static string KeyType(X509Certificate2 certificate)
    {
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is not null)
        {
            return $"RSA {rsa.KeySize}";
        }

        using var ecdsa = certificate.GetECDsaPublicKey();
        return ecdsa is not null ? $"ECDSA P-{ecdsa.KeySize}" : certificate.PublicKey.Oid.FriendlyName ?? "unknown";
    }
}
