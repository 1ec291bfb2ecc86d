using System.Security.Cryptography;
using Gatehouse.Configuration.Secrets;
using Google.Protobuf;

namespace Gatehouse.ClusterManager.Secrets;

/// <summary>
/// Secrets in a saved configuration file, encrypted with the admin's passphrase
/// (<c>saveconfig --keys encrypt</c>): <c>pbe:v1:SALT:DATA</c>, PBKDF2-SHA256 then AES-256-GCM.
/// </summary>
internal static class PassphraseSecrets
{
    private const string Prefix = "pbe:v1:";
    private const int Iterations = 310_000;

    public static bool IsEncrypted(string value) => value.StartsWith(Prefix, StringComparison.Ordinal);

    public static T Encrypt<T>(T message, string passphrase)
        where T : IMessage<T>
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var key = Derive(passphrase, salt);
        var saltText = Convert.ToBase64String(salt);
        return SecretFields.Transform(message, value => $"{Prefix}{saltText}:{AesGcmText.Seal(key, value)}");
    }

    /// <summary>Decrypts every passphrase-encrypted secret; a wrong passphrase throws <see cref="CryptographicException"/>.</summary>
    public static T Decrypt<T>(T message, string passphrase)
        where T : IMessage<T>
    {
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        return SecretFields.Transform(message, value =>
        {
            if (!IsEncrypted(value))
            {
                return value;
            }

            var parts = value[Prefix.Length..].Split(':', 2);
            if (parts.Length != 2)
            {
                throw new CryptographicException("encrypted value is damaged");
            }

            if (!keys.TryGetValue(parts[0], out var key))
            {
                key = keys[parts[0]] = Derive(passphrase, Convert.FromBase64String(parts[0]));
            }

            try
            {
                return AesGcmText.Open(key, parts[1]);
            }
            catch (AuthenticationTagMismatchException e)
            {
                throw new CryptographicException("wrong passphrase for the encrypted keys in this file", e);
            }
        });
    }

    /// <summary>Lists the kinds of secret values that a plain-text upload must not contain.</summary>
    public static IEnumerable<string> Unusable<T>(T message)
        where T : IMessage<T>
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        SecretFields.Transform(message, value =>
        {
            if (value == SecretFields.Mask)
            {
                found.Add("masked");
            }
            else if (IsEncrypted(value))
            {
                found.Add("passphrase-encrypted");
            }
            else if (SecretBox.IsSealed(value))
            {
                found.Add("encrypted with another manager's key");
            }

            return value;
        });
        return found;
    }

    /// <summary>One text sealed with the passphrase, in the same format as each secret of a saved file.</summary>
    public static string SealText(string plain, string passphrase)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return $"{Prefix}{Convert.ToBase64String(salt)}:{AesGcmText.Seal(Derive(passphrase, salt), plain)}";
    }

    /// <summary>Opens <see cref="SealText"/>'s output; a wrong passphrase or damaged text throws <see cref="CryptographicException"/>.</summary>
    public static string OpenText(string sealedText, string passphrase)
    {
        var parts = IsEncrypted(sealedText) ? sealedText[Prefix.Length..].Split(':', 2) : [];
        if (parts.Length != 2)
        {
            throw new CryptographicException("not text sealed with a passphrase");
        }

        try
        {
            return AesGcmText.Open(Derive(passphrase, Convert.FromBase64String(parts[0])), parts[1]);
        }
        catch (Exception e) when (e is AuthenticationTagMismatchException or FormatException)
        {
            throw new CryptographicException("wrong passphrase, or the file is damaged", e);
        }
    }

    private static byte[] Derive(string passphrase, byte[] salt) =>
        Rfc2898DeriveBytes.Pbkdf2(passphrase, salt, Iterations, HashAlgorithmName.SHA256, 32);
}
