using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Validation;

namespace Gatehouse.Configuration.Tests.Validation;

/// <summary>A node's HTTPS trusts the client CAs the interface names, and nothing of it is accepted and ignored.</summary>
public sealed class HttpsClientRuleTests
{
    private static readonly string Ca = CaPem(isCa: true);

    [Fact]
    public void Client_certificates_need_the_interfaces_own_CAs()
    {
        Assert.Contains(Errors(new HttpsService { AcceptClientCertificates = true }),
            e => e.Path == "ip_interfaces[Data1].https.client_ca_pem" && e.Message.Contains("required", StringComparison.Ordinal));
        Assert.Empty(Errors(new HttpsService { AcceptClientCertificates = true, ClientCaPem = Ca }));
    }

    [Fact]
    public void Client_settings_without_accept_client_certificates_are_refused_not_ignored()
    {
        Assert.Contains(Errors(new HttpsService { ClientCaPem = Ca }), e => e.Path == "ip_interfaces[Data1].https.accept_client_certificates");
        Assert.Contains(Errors(new HttpsService { ClientSubjects = { "CN=monitor" } }), e => e.Path == "ip_interfaces[Data1].https.accept_client_certificates");
    }

    [Fact]
    public void A_leaf_instead_of_a_CA_malformed_PEM_and_malformed_pins_are_refused()
    {
        Assert.Contains(Errors(new HttpsService { AcceptClientCertificates = true, ClientCaPem = CaPem(isCa: false) }), e => e.Message.Contains("is not a CA certificate", StringComparison.Ordinal));
        Assert.Contains(Errors(new HttpsService { AcceptClientCertificates = true, ClientCaPem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" }), e => e.Path.EndsWith(".client_ca_pem", StringComparison.Ordinal));
        var pins = new HttpsService { AcceptClientCertificates = true, ClientCaPem = Ca, ClientSubjects = { "not a name\n" }, ClientSpkiSha256 = { "c2hvcnQ=" } };
        var errors = Errors(pins);
        Assert.Contains(errors, e => e.Path.EndsWith(".client_subjects", StringComparison.Ordinal) && e.Message.StartsWith("'not a name?'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path.EndsWith(".client_spki_sha256", StringComparison.Ordinal));
        Assert.Empty(Errors(new HttpsService
        {
            AcceptClientCertificates = true, ClientCaPem = Ca, ClientSubjects = { "CN=monitor,O=Example" }, ClientSpkiSha256 = { Convert.ToBase64String(new byte[32]) },
        }));
    }

    private static List<ValidationError> Errors(HttpsService https)
    {
        https.Enabled = true;
        https.Port = 8443;
        https.Certificate = "web";
        https.ReadToken = "read-0123456789abcdef";
        var cluster = new LevelConfig { Certificates = { TestCertificates.SelfSigned("web") } };
        var machine = new LevelConfig { IpInterfaces = { new IpInterface { Name = "Data1", Address = "127.0.0.2", Https = https } } };
        return [.. ConfigValidator.Standard.Check(cluster, machine).All];
    }

    private static string CaPem(bool isCa)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Status Readers CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(isCa, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        return certificate.ExportCertificatePem();
    }
}
