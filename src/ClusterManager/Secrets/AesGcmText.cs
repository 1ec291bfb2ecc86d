using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.ClusterManager.Secrets;

/// <summary>AES-256-GCM over text: base64(nonce | ciphertext | tag), with optional associated data.</summary>
internal static class AesGcmText
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public static string Seal(byte[] key, string plain, byte[]? associated = null)
    {
        var plainBytes = Encoding.UTF8.GetBytes(plain);
        var output = new byte[NonceSize + plainBytes.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plainBytes, output.AsSpan(NonceSize, plainBytes.Length), output.AsSpan(NonceSize + plainBytes.Length), associated);
        return Convert.ToBase64String(output);
    }

    /// <summary>Decrypts, or throws <see cref="CryptographicException"/> for a wrong key or damaged text.</summary>
    public static string Open(byte[] key, string sealedText, byte[]? associated = null)
    {
        byte[] input;
        try
        {
            input = Convert.FromBase64String(sealedText);
        }
        catch (FormatException e)
        {
            throw new CryptographicException("encrypted value is damaged", e);
        }

        if (input.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("encrypted value is damaged");
        }

        var plain = new byte[input.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, plain.Length), input.AsSpan(NonceSize + plain.Length), plain, associated);
        return Encoding.UTF8.GetString(plain);
    }
}
