using System.Security.Cryptography;
using System.Text;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Files;
using Gatehouse.Configuration.Secrets;

namespace Gatehouse.ClusterManager.Secrets;

/// <summary>
/// Encrypts private keys and passwords at rest (CL-9) with the manager's data key,
/// <c>DATA/keys/secrets.key</c>. A stored secret is <c>enc:v2:…</c>: AES-256-GCM whose associated
/// data is the value's place — level, entity and field (<c>machines[mx1].certificates[web].private_key_pem</c>) —
/// so a ciphertext moved to another field, entity or level in the store does not decrypt.
/// Values of the first format (<c>enc:v1:</c>, no associated data) are read only by
/// <see cref="Upgrade"/>, which the manager runs over the store at start.
/// </summary>
internal sealed class SecretBox
{
    private const string Legacy = "enc:v1:";
    private const string Prefix = "enc:v2:";
    private const string ClusterPath = "cluster";
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

    public static bool IsSealed(string value) => value.StartsWith(Prefix, StringComparison.Ordinal) || value.StartsWith(Legacy, StringComparison.Ordinal);

    /// <summary>Copy of one level with every secret encrypted for its place (already encrypted ones are kept).</summary>
    public LevelConfig Seal(LevelConfig level, string? machine) => SealAt(level, LevelPath(machine));

    /// <summary>Like <see cref="Seal(LevelConfig, string?)"/> for the level at <paramref name="levelPath"/> in the whole set (<c>groups[DC1].config</c>).</summary>
    public LevelConfig SealAt(LevelConfig level, string levelPath) =>
        SecretFields.Transform(level, levelPath, (path, value) => IsSealed(value) ? value : Seal(path, value));

    public ConfigurationSet Seal(ConfigurationSet set) =>
        SecretFields.Transform(set, "", (path, value) => IsSealed(value) ? value : Seal(path, value));

    /// <summary>Copy of one level with every secret in plain text, for validation and for the node it belongs to.</summary>
    public LevelConfig Open(LevelConfig level, string? machine) => OpenAt(level, LevelPath(machine));

    public LevelConfig OpenAt(LevelConfig level, string levelPath) =>
        SecretFields.Transform(level, levelPath, (path, value) => IsSealed(value) ? Open(path, value) : value);

    public ConfigurationSet Open(ConfigurationSet set) =>
        SecretFields.Transform(set, "", (path, value) => IsSealed(value) ? Open(path, value) : value);

    /// <summary>The same content with first-format values encrypted again, bound to their place; null when there were none.</summary>
    public ConfigurationSet? Upgrade(ConfigurationSet set)
    {
        var upgraded = false;
        var result = SecretFields.Transform(set, "", (path, value) =>
        {
            if (!value.StartsWith(Legacy, StringComparison.Ordinal))
            {
                return value;
            }

            upgraded = true;
            return Seal(path, AesGcmText.Open(key, value[Legacy.Length..]));
        });
        return upgraded ? result : null;
    }

    /// <summary>One text that is not configuration (the GUI's cookie key ring), sealed for its place.</summary>
    public string SealText(string place, string value) => Seal(place, value);

    public string OpenText(string place, string value) => Open(place, value);

    private static string LevelPath(string? machine) => machine is null ? ClusterPath : $"machines[{machine}]";

    private string Seal(string path, string value) => Prefix + AesGcmText.Seal(key, value, Place(path));

    private string Open(string path, string value)
    {
        if (!value.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CryptographicException($"{path} is in the first encrypted format; restart the manager to re-encrypt the store");
        }

        try
        {
            return AesGcmText.Open(key, value[Prefix.Length..], Place(path));
        }
        catch (CryptographicException e)
        {
            throw new CryptographicException($"{path} cannot be decrypted: it was encrypted for another place or with another key", e);
        }
    }

    private static byte[] Place(string path) => Encoding.UTF8.GetBytes($"gatehouse-secret:{path}");
}
