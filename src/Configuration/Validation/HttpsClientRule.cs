using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Who may read a node's /status and /metrics by client certificate: the interface names its own
/// CAs (never the system bundle, which would let any WebPKI certificate in), and may pin
/// subjects or public keys. Settings for client certificates without accept_client_certificates
/// would be ignored, so they are refused.
/// </summary>
public sealed class HttpsClientRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        foreach (var iface in config.Config.IpInterfaces.Where(i => i.Https is not null))
        {
            var https = iface.Https;
            var path = $"ip_interfaces[{iface.Name}].https";
            var pinned = https.ClientSubjects.Count > 0 || https.ClientSpkiSha256.Count > 0;
            if (!https.AcceptClientCertificates)
            {
                if (https.ClientCaPem.Length > 0 || pinned)
                {
                    errors.Add($"{path}.accept_client_certificates", "client_ca_pem, client_subjects and client_spki_sha256 act only with accept_client_certificates: true");
                }

                continue;
            }

            CheckCas(errors, $"{path}.client_ca_pem", https.ClientCaPem);
            foreach (var subject in https.ClientSubjects)
            {
                if (!IsDistinguishedName(subject))
                {
                    errors.Add($"{path}.client_subjects", $"'{Shown(subject)}' is not a distinguished name such as CN=monitor, O=Example");
                }
            }

            foreach (var pin in https.ClientSpkiSha256)
            {
                if (!IsSha256(pin))
                {
                    errors.Add($"{path}.client_spki_sha256", $"'{Shown(pin)}' is not a SHA-256 hash in base64 (44 characters)");
                }
            }
        }
    }

    private static void CheckCas(ValidationErrors errors, string path, string pem)
    {
        if (pem.Length == 0)
        {
            errors.Add(path, "the CAs client certificates must chain to are required with accept_client_certificates (the system bundle is not used for clients)");
            return;
        }

        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            errors.Add(path, $"not PEM certificates: {e.Message}");
            return;
        }

        if (cas.Count == 0)
        {
            errors.Add(path, "holds no certificate");
        }

        foreach (var ca in cas)
        {
            if (ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
            {
                errors.Add(path, $"{ca.Subject} is not a CA certificate");
            }

            ca.Dispose();
        }
    }

    private static bool IsDistinguishedName(string subject)
    {
        if (subject.Length is 0 or > 1024 || subject.Any(char.IsControl))
        {
            return false;
        }

        try
        {
            return new X500DistinguishedName(subject).RawData.Length > 2;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool IsSha256(string pin)
    {
        var bytes = new byte[48];
        return Convert.TryFromBase64String(pin, bytes, out var written) && written == 32;
    }

    private static string Shown(string value) => new([.. value.Take(64).Select(c => char.IsControl(c) ? '?' : c)]);
}
