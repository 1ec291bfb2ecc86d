using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Each certificate parses, carries its private key, and the key belongs to it. On a node, a
/// certificate the node does not use comes without its key (<see cref="NodeNeeds"/>): the manager
/// required that key at commit and keeps it.
/// </summary>
public sealed class CertificateRule(bool keysOnlyWhereUsed = false) : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var used = keysOnlyWhereUsed ? NodeNeeds.Certificates(config.Config) : null;
        foreach (var certificate in config.Config.Certificates)
        {
            var path = $"certificates[{certificate.Name}]";
            if (certificate.CertificatePem.Length == 0)
            {
                errors.Add($"{path}.certificate_pem", "is required");
                continue;
            }

            if (certificate.PrivateKeyPem.Length == 0 && (used is null || used.Contains(certificate.Name)))
            {
                errors.Add($"{path}.private_key_pem", "is required");
                continue;
            }

            try
            {
                using var loaded = certificate.PrivateKeyPem.Length == 0
                    ? X509Certificate2.CreateFromPem(certificate.CertificatePem)
                    : X509Certificate2.CreateFromPem(certificate.CertificatePem, certificate.PrivateKeyPem);
            }
            catch (CryptographicException e)
            {
                errors.Add(path, $"certificate or private key is unusable: {e.Message}");
            }
            catch (ArgumentException e)
            {
                errors.Add(path, $"certificate or private key is not valid PEM: {e.Message}");
            }

            for (var i = 0; i < certificate.IntermediatesPem.Count; i++)
            {
                try
                {
                    using var intermediate = X509Certificate2.CreateFromPem(certificate.IntermediatesPem[i]);
                }
                catch (Exception e) when (e is CryptographicException or ArgumentException)
                {
                    errors.Add($"{path}.intermediates_pem[{i}]", $"is not a PEM certificate: {e.Message}");
                }
            }
        }
    }
}
