using System.Formats.Asn1;
using System.Numerics;
using Gatehouse.ClusterManager.ClusterConfig;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// The limits .NET puts on PKCS#12 files (<see cref="System.Security.Cryptography.X509Certificates.Pkcs12LoaderLimits"/>),
/// applied before a legacy file is handed to BouncyCastle, which has none: a file that asks for
/// a billion key-derivation rounds would otherwise hold a manager core for hours.
/// </summary>
internal static class Pkcs12Limits
{
    public const int MaxBytes = 1024 * 1024;
    public const long MaxIterations = 600_000;
    private const int MaxDepth = 24;

    public static void CheckSize(byte[] data)
    {
        if (data.Length > MaxBytes)
        {
            throw new ChangeRejectedException($"the PKCS#12 file is larger than {MaxBytes / 1024} KB");
        }
    }

    /// <summary>Refuses a file whose key derivations (MAC and every encrypted part) add up past the limit.</summary>
    public static void CheckIterations(byte[] data)
    {
        long total;
        try
        {
            total = Walk(data, 0);
        }
        catch (AsnContentException)
        {
            return; // Not DER at all: the reader that follows says the file is damaged.
        }

        if (total > MaxIterations)
        {
            throw new ChangeRejectedException(
                $"the PKCS#12 file asks for {total} key-derivation iterations; at most {MaxIterations} are accepted (re-export it with current settings)");
        }
    }

    // Iteration counts sit right after their salt: PBE parameters and PBKDF2 parameters are
    // SEQUENCE { salt OCTET STRING, iterations INTEGER, … }, MacData ends with salt, iterations.
    // Octet strings that hold DER (the authenticated safe, safe contents) are walked too.
    private static long Walk(ReadOnlyMemory<byte> der, int depth) => Walk(new AsnReader(der, AsnEncodingRules.BER), depth);

    private static long Walk(AsnReader reader, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new AsnContentException("nested too deeply");
        }

        long total = 0;
        var afterSalt = false;
        while (reader.HasData)
        {
            var tag = reader.PeekTag();
            var isSalt = false;
            if (tag.HasSameClassAndValue(Asn1Tag.PrimitiveOctetString))
            {
                total = Add(total, TryWalk(reader.ReadOctetString(tag), depth + 1));
                isSalt = true;
            }
            else if (tag.HasSameClassAndValue(Asn1Tag.Integer) && afterSalt)
            {
                var value = BigInteger.Abs(reader.ReadInteger(tag));
                total = Add(total, value > MaxIterations ? long.MaxValue : (long)value);
            }
            else if (tag.IsConstructed && Contents(reader, tag) is { } contents)
            {
                total = Add(total, Walk(contents, depth + 1));
            }
            else
            {
                reader.ReadEncodedValue();
            }

            afterSalt = isSalt;
        }

        return total;
    }

    // SEQUENCE, SET and tagged values are walked into; other constructed forms are passed over.
    private static AsnReader? Contents(AsnReader reader, Asn1Tag tag)
    {
        if (tag.TagClass != TagClass.Universal)
        {
            return reader.ReadSequence(tag);
        }

        switch ((UniversalTagNumber)tag.TagValue)
        {
            case UniversalTagNumber.Sequence:
                return reader.ReadSequence(tag);
            case UniversalTagNumber.SetOf:
                return reader.ReadSetOf(skipSortOrderValidation: true, tag);
            default:
                reader.ReadEncodedValue();
                return null;
        }
    }

    private static long TryWalk(byte[] bytes, int depth)
    {
        try
        {
            return Walk(bytes, depth);
        }
        catch (AsnContentException)
        {
            return 0; // A salt or a key, not DER.
        }
    }

    private static long Add(long a, long b) => a > long.MaxValue - b ? long.MaxValue : a + b;
}
