using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Alerts;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// Which expiry alerts are due (CERT-11): at 90, 60, 30, 15, 5, 4, 3, 2 and 1 days left,
/// on the day of expiry and every day after. Each alert has a key so it is raised once;
/// only the most urgent threshold reached is raised.
/// </summary>
internal static class ExpiryAlerts
{
    public static readonly int[] Thresholds = [90, 60, 30, 15, 5, 4, 3, 2, 1];

    public static IEnumerable<AlertRecord> Due(ConfigurationSet set, DateTimeOffset now)
    {
        var levels = new[] { ("cluster level", set.Cluster ?? new LevelConfig()) }
            .Concat(set.Machines.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => ($"machine level of {m.Key}", m.Value)));
        foreach (var (where, level) in levels)
        {
            foreach (var entry in level.Certificates)
            {
                if (Alert(entry.CertificatePem, $"Certificate '{entry.Name}'", where, now) is { } alert)
                {
                    yield return alert;
                }
            }

            foreach (var pem in level.TrustedCas?.CustomPem ?? [])
            {
                if (Alert(pem, "Trusted CA", where, now) is { } alert)
                {
                    yield return alert;
                }
            }
        }
    }

    private static AlertRecord? Alert(string pem, string what, string where, DateTimeOffset now)
    {
        using var certificate = X509Certificate2.CreateFromPem(pem);
        var expires = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        var daysLeft = (expires.UtcDateTime.Date - now.UtcDateTime.Date).Days;
        var subject = certificate.Subject;
        var on = expires.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        if (daysLeft <= 0)
        {
            var today = now.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var message = daysLeft == 0
                ? $"{what} ({subject}, {where}) expires today, {on}"
                : $"{what} ({subject}, {where}) expired on {on}, {-daysLeft} day(s) ago";
            return SystemAlert.Create($"{certificate.Thumbprint}:{where}:expired:{today}", now, "Critical", message);
        }

        var threshold = Thresholds.Where(t => daysLeft <= t).DefaultIfEmpty(0).Min();
        return threshold == 0 ? null
            : SystemAlert.Create($"{certificate.Thumbprint}:{where}:{threshold}", now, "Warning",
                $"{what} ({subject}, {where}) expires in {daysLeft} day(s), on {on}");
    }
}
