using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Configuration.Tls;

/// <summary>
/// A certificate revocation list (RFC 5280 §5) an admin imported: whose it is, when it was
/// issued and is next due, which serial numbers it revokes, and whether a CA signed it.
/// </summary>
public sealed class RevocationList
{
    private readonly HashSet<string> serials;
    private readonly byte[] signed;
    private readonly string algorithm;
    private readonly byte[] signature;

    private RevocationList(X500DistinguishedName issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate, HashSet<string> serials, byte[] signed, string algorithm, byte[] signature)
    {
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        this.serials = serials;
        this.signed = signed;
        this.algorithm = algorithm;
        this.signature = signature;
    }

    public X500DistinguishedName Issuer { get; }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public int Count => serials.Count;

    /// <summary>The list as the configuration keeps it, whatever form it was read from.</summary>
    public string Pem { get; private set; } = "";

    /// <summary>Reads a CRL in PEM (<c>-----BEGIN X509 CRL-----</c>) or DER; a FormatException says what is wrong.</summary>
    public static RevocationList Parse(byte[] data)
    {
        var text = System.Text.Encoding.ASCII.GetString(data);
        if (text.Contains("-----BEGIN X509 CRL-----", StringComparison.Ordinal))
        {
            var fields = PemEncoding.TryFind(text, out var found) && text[found.Label] == "X509 CRL"
                ? found : throw new FormatException("the PEM block is not an X509 CRL");
            data = Convert.FromBase64String(text[fields.Base64Data]);
        }

        try
        {
            var list = Read(data);
            list.Pem = PemEncoding.WriteString("X509 CRL", data);
            return list;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or ArgumentException)
        {
            throw new FormatException($"not a DER certificate revocation list: {e.Message}", e);
        }
    }

    /// <summary>Whether this CA's key signed the list.</summary>
    public bool SignedBy(X509Certificate2 ca)
    {
        var hash = algorithm switch
        {
            "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
            _ => default,
        };
        if (hash == default || !NamesMatch(ca.SubjectName, Issuer))
        {
            return false;
        }

        using var rsa = ca.GetRSAPublicKey();
        using var ecdsa = ca.GetECDsaPublicKey();
        return algorithm.StartsWith("1.2.840.113549", StringComparison.Ordinal)
            ? rsa?.VerifyData(signed, signature, hash, RSASignaturePadding.Pkcs1) == true
            : ecdsa?.VerifyData(signed, signature, hash, DSASignatureFormat.Rfc3279DerSequence) == true;
    }

    /// <summary>Whether the list is its issuer's and names this certificate's serial number.</summary>
    public bool Revokes(X509Certificate2 certificate) =>
        NamesMatch(certificate.IssuerName, Issuer) && serials.Contains(Serial(certificate.SerialNumberBytes.Span));

    /// <summary>Signature algorithms this reader verifies: RSA PKCS#1 v1.5 and ECDSA with SHA-2.</summary>
    public bool AlgorithmKnown => algorithm is "1.2.840.113549.1.1.11" or "1.2.840.113549.1.1.12" or "1.2.840.113549.1.1.13"
        or "1.2.840.10045.4.3.2" or "1.2.840.10045.4.3.3" or "1.2.840.10045.4.3.4";

    private static bool NamesMatch(X500DistinguishedName a, X500DistinguishedName b) =>
        a.RawData.AsSpan().SequenceEqual(b.RawData) || a.Name == b.Name;

    // Serial numbers compared as unsigned big-endian hex without leading zeros.
    private static string Serial(ReadOnlySpan<byte> bigEndian) => Convert.ToHexString(bigEndian).TrimStart('0');

    private static RevocationList Read(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var list = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var signed = list.ReadEncodedValue().ToArray();
        var algorithm = list.ReadSequence().ReadObjectIdentifier();
        var signature = list.ReadBitString(out _);
        list.ThrowIfNotEmpty();

        var tbs = new AsnReader(signed, AsnEncodingRules.DER).ReadSequence();
        if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
        {
            tbs.ReadInteger(); // version v2
        }

        tbs.ReadSequence(); // the signature algorithm, again
        var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
        var thisUpdate = ReadTime(tbs);
        DateTimeOffset? nextUpdate = tbs.HasData && IsTime(tbs.PeekTag()) ? ReadTime(tbs) : null;
        var serials = new HashSet<string>(StringComparer.Ordinal);
        if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
        {
            var revoked = tbs.ReadSequence();
            while (revoked.HasData)
            {
                var entry = revoked.ReadSequence();
                serials.Add(Serial(entry.ReadIntegerBytes().Span));
            }
        }

        return new RevocationList(issuer, thisUpdate, nextUpdate, serials, signed, algorithm, signature);
    }

    private static bool IsTime(Asn1Tag tag) => tag.HasSameClassAndValue(Asn1Tag.UtcTime) || tag.HasSameClassAndValue(Asn1Tag.GeneralizedTime);

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();
}
