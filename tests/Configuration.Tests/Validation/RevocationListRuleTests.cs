using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Tls;
using Gatehouse.Configuration.Validation;

namespace Gatehouse.Configuration.Tests.Validation;

/// <summary>An imported CRL is read whole, names what its CA revoked, and is taken only from a CA that judges the clients it names.</summary>
public sealed class RevocationListRuleTests
{
    [Fact]
    public void A_list_names_the_serials_its_CA_revoked_and_nothing_else()
    {
        using var ca = Ca("CN=Clients CA");
        using var revoked = Issue(ca, "CN=revoked", 0x0F_00);
        using var kept = Issue(ca, "CN=kept", 0x0F_01);
        var list = RevocationList.Parse(System.Text.Encoding.ASCII.GetBytes(Crl(ca, revoked)));

        Assert.True(list.SignedBy(ca));
        Assert.True(list.Revokes(revoked));
        Assert.False(list.Revokes(kept));
        Assert.Equal(1, list.Count);
        using var other = Ca("CN=Other CA");
        Assert.False(list.SignedBy(other));
    }

    [Fact]
    public void A_list_of_a_trusted_CA_is_taken_and_one_of_a_stranger_or_a_damaged_one_is_refused_with_the_reason()
    {
        using var ca = Ca("CN=Clients CA");
        using var stranger = Ca("CN=Stranger CA");
        using var leaf = Issue(ca, "CN=client", 7);
        var trusted = new TrustedCaSettings { SystemBundleEnabled = true, CustomPem = { ca.ExportCertificatePem() } };

        Assert.Empty(Errors(trusted, Crl(ca, leaf)));
        using var strangers = Issue(stranger, "CN=client", 7);
        Assert.Contains(Errors(trusted, Crl(stranger, strangers)), e => e.Message.Contains("not signed by a custom trusted CA", StringComparison.Ordinal));
        Assert.Contains(Errors(trusted, "-----BEGIN X509 CRL-----\nMAMCAQA=\n-----END X509 CRL-----\n"), e => e.Path == "trusted_cas.crl_pem[0]");
        Assert.Contains(Errors(trusted, "not a list"), e => e.Path == "trusted_cas.crl_pem[0]");
    }

    private static List<ValidationError> Errors(TrustedCaSettings trusted, string crl)
    {
        var settings = trusted.Clone();
        settings.CrlPem.Add(crl);
        return [.. ConfigValidator.Standard.Check(new LevelConfig { TrustedCas = settings }, new LevelConfig()).All];
    }

    private static string Crl(X509Certificate2 ca, X509Certificate2 revoked)
    {
        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(revoked, DateTimeOffset.UtcNow.AddMinutes(-5));
        var der = builder.Build(ca, BigInteger.One, DateTimeOffset.UtcNow.AddDays(7), HashAlgorithmName.SHA256);
        return PemEncoding.WriteString("X509 CRL", der);
    }

    // Self-signed, with its key: it signs what it issues and its CRLs.
    private static X509Certificate2 Ca(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name, long serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(name, key, HashAlgorithmName.SHA256);
        return request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), BitConverter.GetBytes(serial).Reverse().ToArray());
    }
}
