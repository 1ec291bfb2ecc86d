using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Node.Delivery.DomainPolicies;

namespace Gatehouse.Fuzz.Targets;

/// <summary>
/// TLSA records (RFC 6698) as a DNSSEC-signed zone may publish anything: each record is
/// usage, selector, matching type, a length byte and that many bytes of data, matched against a
/// server's certificate as DANE verification does.
/// </summary>
internal sealed class TlsaRecords : FuzzTarget
{
    private static readonly X509Certificate2 Leaf = SelfSigned();

    public override string Name => "tlsa-records";

    public override void Run(byte[] input)
    {
        var records = new List<Tlsa>();
        for (var at = 0; at + 4 <= input.Length;)
        {
            var length = Math.Min(input[at + 3], input.Length - at - 4);
            records.Add(new Tlsa(input[at], input[at + 1], input[at + 2], input[(at + 4)..(at + 4 + length)]));
            at += 4 + length;
        }

        DaneVerification.Problem(Leaf, [Leaf], records, "mx.example.test");
        foreach (var record in records)
        {
            _ = record.ToString();
        }
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mx.example.test", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(100));
    }
}
