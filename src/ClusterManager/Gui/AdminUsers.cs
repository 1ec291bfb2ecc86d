using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Runtime;
using Gatehouse.Configuration.Files;

namespace Gatehouse.ClusterManager.Gui;

/// <summary>
/// The GUI's administrators in <c>DATA/admin-users.json</c> (0600): per user a random salt and
/// a PBKDF2-SHA256 hash, never the password. Read at every login, so users added with the CLI
/// take effect at once.
/// </summary>
internal sealed class AdminUsers(ManagerPaths paths)
{
    private const int Iterations = 210_000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly byte[] Decoy = RandomNumberGenerator.GetBytes(32);

    public IReadOnlyList<string> Names() => [.. Load().Select(u => u.Name).Order(StringComparer.Ordinal)];

    public void Set(string name, string password)
    {
        if (!NodeNames.IsValid(name))
        {
            throw new ChangeRejectedException($"'{name}' is not a valid user name ({NodeNames.Rule})");
        }

        if (password.Length < 10)
        {
            throw new ChangeRejectedException("the password must have at least 10 characters");
        }

        var salt = RandomNumberGenerator.GetBytes(16);
        var users = Load().Where(u => u.Name != name).Append(new StoredUser(name, Convert.ToBase64String(salt), Convert.ToBase64String(Hash(password, salt, Iterations)), Iterations));
        Save([.. users]);
    }

    public bool Delete(string name)
    {
        var users = Load();
        var kept = users.Where(u => u.Name != name).ToList();
        Save(kept);
        return kept.Count != users.Count;
    }

    /// <summary>True when the name exists and the password is its own; the same work is done either way.</summary>
    public bool Verify(string name, string password)
    {
        var user = Load().FirstOrDefault(u => u.Name == name);
        var salt = user is null ? Decoy[..16] : Convert.FromBase64String(user.Salt);
        var computed = Hash(password, salt, user?.Iterations ?? Iterations);
        return user is not null && CryptographicOperations.FixedTimeEquals(computed, Convert.FromBase64String(user.Hash));
    }

    private static byte[] Hash(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);

    private List<StoredUser> Load() =>
        File.Exists(paths.AdminUsers) ? JsonSerializer.Deserialize<List<StoredUser>>(File.ReadAllBytes(paths.AdminUsers), Json) ?? [] : [];

    private void Save(List<StoredUser> users) =>
        AtomicFile.Write(paths.AdminUsers, JsonSerializer.SerializeToUtf8Bytes(users, Json), privateFile: true);

    private sealed record StoredUser(string Name, string Salt, string Hash, int Iterations);
}
