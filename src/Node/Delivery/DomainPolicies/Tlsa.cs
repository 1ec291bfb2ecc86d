using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Node.Delivery.DomainPolicies;

/// <summary>One TLSA record (RFC 6698): usage, selector, matching type and the data to match.</summary>
internal sealed record Tlsa(int Usage, int Selector, int Matching, byte[] Data)
{
    public const int DaneTa = 2;
    public const int DaneEe = 3;

    /// <summary>What SMTP can use (RFC 7672 §3.1): DANE-TA or DANE-EE, full certificate or public key, exact, SHA-256 or SHA-512.</summary>
    public bool Usable => Usage is DaneTa or DaneEe && Selector is 0 or 1 && Matching is 0 or 1 or 2;

    /// <summary>Whether the certificate is the one (or carries the key) this record names.</summary>
    public bool Matches(X509Certificate2 certificate)
    {
        var selected = Selector == 0 ? certificate.RawData : certificate.PublicKey.ExportSubjectPublicKeyInfo();
        var digest = Matching switch
        {
            1 => SHA256.HashData(selected),
            2 => SHA512.HashData(selected),
            _ => selected,
        };
        return digest.Length == Data.Length && CryptographicOperations.FixedTimeEquals(digest, Data);
    }

    public override string ToString() => $"{Usage} {Selector} {Matching} {Convert.ToHexStringLower(Data)[..Math.Min(16, Data.Length * 2)]}…";
}
