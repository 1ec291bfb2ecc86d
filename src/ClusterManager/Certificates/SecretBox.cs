using Gatehouse.Configuration.Files;
using System.Security.Cryptography;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Secrets;
using Google.Protobuf;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// Encrypts private keys and passwords at rest (CL-9) with the manager's data key,
/// <c>DATA/keys/secrets.key</c>. Stored secrets look like <c>enc:v1:…</c>.
/// </summary>
internal sealed class SecretBox
{
    private const string Prefix = "enc:v1:";
    private readonly byte[] key;

    public SecretBox(byte[] key) => this.key = key;

    public static SecretBox LoadOrCreate(string dataDir)
    {
        var path = Path.Combine(dataDir, "keys", "secrets.key");
        if (!File.Exists(path))
        {
            AtomicFile.Write(path, RandomNumberGenerator.GetBytes(32), privateFile: true);
        }

        var key = File.ReadAllBytes(path);
        return key.Length == 32 ? new SecretBox(key) : throw new StoreException($"{path} is not a 32-byte key");
    }

    public static bool IsSealed(string value) => value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Copy with every secret encrypted (already encrypted ones are kept).</summary>
    public T Seal<T>(T message)
        where T : IMessage<T> =>
        SecretFields.Transform(message, value => IsSealed(value) ? value : Prefix + AesGcmText.Seal(key, value));

    /// <summary>Copy with every secret in plain text, for validation and for the node it belongs to.</summary>
    public T Open<T>(T message)
        where T : IMessage<T> =>
        SecretFields.Transform(message, value => IsSealed(value) ? AesGcmText.Open(key, value[Prefix.Length..]) : value);
}
