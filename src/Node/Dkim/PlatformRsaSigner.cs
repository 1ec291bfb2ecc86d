using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Gatehouse.Node.Dkim;

/// <summary>
/// RSA-SHA256 signatures made by the platform's RSA (OpenSSL) for MimeKit's DKIM signer, which
/// otherwise signs with BouncyCastle's managed arithmetic: about 7 ms a message with a 2048-bit
/// key under relay load, against well under one here. The key is shared by concurrent sessions,
/// so signing with it is one at a time.
/// </summary>
internal sealed class PlatformRsaSigner(RSA rsa) : ISigner
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public string AlgorithmName => "SHA-256withRSA";

    public void Init(bool forSigning, ICipherParameters parameters)
    {
        // The key came with the constructor.
    }

    public void Update(byte input) => hash.AppendData([input]);

    public void BlockUpdate(byte[] input, int inOff, int inLen) => hash.AppendData(input, inOff, inLen);

    public void BlockUpdate(ReadOnlySpan<byte> input) => hash.AppendData(input);

    public int GetMaxSignatureSize() => rsa.KeySize / 8;

    public byte[] GenerateSignature()
    {
        var digest = hash.GetHashAndReset();
        lock (rsa)
        {
            return rsa.SignHash(digest, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
    }

    public bool VerifySignature(byte[] signature) => throw new NotSupportedException("this signer only signs");

    public void Reset() => hash.GetHashAndReset();
}
