using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Runtime;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Gui;

/// <summary>
/// The GUI's administrators, in the store (so every replica knows the same users and passwords):
/// per user a random salt and a PBKDF2-SHA256 hash, never the password. Read at every login, so
/// a password changed or a user deleted on one replica holds on all at once.
/// </summary>
internal sealed class AdminUsers(IManagerStore store, ManagerPaths paths)
{
    private const int Iterations = 210_000;

    // PBKDF2 hashes the password on every round: a bound keeps one login attempt's cost fixed.
    public const int MaxPassword = 1024;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly byte[] Decoy = RandomNumberGenerator.GetBytes(32);

    public async Task<IReadOnlyList<string>> NamesAsync(CancellationToken cancel) =>
        [.. (await store.ListGuiUsersAsync(cancel)).Select(u => u.Name)];

    public async Task SetAsync(string name, string password, CancellationToken cancel)
    {
        if (!NodeNames.IsValid(name))
        {
            throw new ChangeRejectedException($"'{name}' is not a valid user name ({NodeNames.Rule})");
        }

        if (password.Length is < 10 or > MaxPassword)
        {
            throw new ChangeRejectedException($"the password must have 10 to {MaxPassword} characters");
        }

        var salt = RandomNumberGenerator.GetBytes(16);
        await store.SaveGuiUserAsync(Record(name, salt, Hash(password, salt, Iterations), Iterations), cancel);
    }

    public Task<bool> DeleteAsync(string name, CancellationToken cancel) => store.RemoveGuiUserAsync(name, cancel);

    /// <summary>True when the name exists and the password is its own; the same work is done either way.</summary>
    public async Task<bool> VerifyAsync(string name, string password, CancellationToken cancel)
    {
        var user = NodeNames.IsValid(name) ? await store.GetGuiUserAsync(name, cancel) : null;
        var salt = user is null ? Decoy[..16] : Convert.FromBase64String(user.Salt);
        var computed = Hash(password.Length > MaxPassword ? password[..MaxPassword] : password, salt, user?.Iterations ?? Iterations);
        return user is not null && password.Length <= MaxPassword && CryptographicOperations.FixedTimeEquals(computed, Convert.FromBase64String(user.Hash));
    }

    /// <summary>
    /// Users of a version that kept them in <c>DATA/admin-users.json</c> move to the store at start,
    /// unless the store has users already; the file is renamed so that it is read once. The number moved.
    /// </summary>
    public async Task<int> ImportLocalFileAsync(CancellationToken cancel)
    {
        if (!File.Exists(paths.AdminUsers))
        {
            return 0;
        }

        var moved = 0;
        if ((await store.ListGuiUsersAsync(cancel)).Count == 0)
        {
            foreach (var user in JsonSerializer.Deserialize<List<LocalUser>>(await File.ReadAllBytesAsync(paths.AdminUsers, cancel), Json) ?? [])
            {
                await store.SaveGuiUserAsync(new GuiUserRecord { Name = user.Name, Salt = user.Salt, Hash = user.Hash, Iterations = user.Iterations }, cancel);
                moved++;
            }
        }

        File.Move(paths.AdminUsers, paths.AdminUsers + ".imported", overwrite: true);
        return moved;
    }

    private static GuiUserRecord Record(string name, byte[] salt, byte[] hash, int iterations) =>
        new() { Name = name, Salt = Convert.ToBase64String(salt), Hash = Convert.ToBase64String(hash), Iterations = iterations };

    private static byte[] Hash(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);

    private sealed record LocalUser(string Name, string Salt, string Hash, int Iterations);
}
