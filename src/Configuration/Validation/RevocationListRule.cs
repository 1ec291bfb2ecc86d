using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Tls;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// An imported revocation list is read whole and signed by a CA whose clients it judges: one of
/// the custom trusted CAs or a CA an interface accepts clients of. One that is overdue still
/// applies, with a warning.
/// </summary>
public sealed class RevocationListRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var crls = config.Config.TrustedCas?.CrlPem ?? [];
        if (crls.Count == 0)
        {
            return;
        }

        var signers = Signers(config);
        try
        {
            for (var i = 0; i < crls.Count; i++)
            {
                Check(crls[i], $"trusted_cas.crl_pem[{i}]", signers, errors);
            }
        }
        finally
        {
            signers.ForEach(s => s.Dispose());
        }
    }

    private static void Check(string pem, string path, List<X509Certificate2> signers, ValidationErrors errors)
    {
        RevocationList crl;
        try
        {
            crl = RevocationList.Parse(Encoding.ASCII.GetBytes(pem));
        }
        catch (FormatException e)
        {
            errors.Add(path, e.Message);
            return;
        }

        if (!crl.AlgorithmKnown)
        {
            errors.Add(path, "signed with an algorithm other than RSA or ECDSA with SHA-256, -384 or -512");
        }
        else if (!signers.Any(crl.SignedBy))
        {
            errors.Add(path, $"the list of {crl.Issuer.Name} is not signed by a custom trusted CA nor by a CA an interface accepts clients of");
        }
        else if (crl.NextUpdate is { } due && due < DateTimeOffset.UtcNow)
        {
            errors.Warn(path, $"the list of {crl.Issuer.Name} was due for renewal on {due:yyyy-MM-dd HH:mm} UTC: its revocations still apply; import the current one");
        }
    }

    private static List<X509Certificate2> Signers(EffectiveConfig config)
    {
        var pems = (config.Config.TrustedCas?.CustomPem ?? []).Concat(config.Config.IpInterfaces.Select(i => i.Https?.ClientCaPem ?? ""));
        var signers = new List<X509Certificate2>();
        foreach (var pem in pems.Where(p => p.Length > 0))
        {
            var bundle = new X509Certificate2Collection();
            try
            {
                bundle.ImportFromPem(pem);
                signers.AddRange(bundle);
            }
            catch (CryptographicException)
            {
                // Reported by the rule of the field it came from.
            }
        }

        return signers;
    }
}
