using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Gui;
using Gatehouse.ClusterManager.Runtime;

namespace Gatehouse.ClusterManager.Tests.Gui;

/// <summary>GUI administrators live in the store; those of the former local file move there once.</summary>
public sealed class AdminUsersTests : IDisposable
{
    private readonly ManagerFixture manager = new();

    [Fact]
    public async Task Users_of_the_former_admin_users_file_move_to_the_store_once_and_keep_their_passwords()
    {
        var paths = new ManagerPaths(manager.DataDir);
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes("the-old-password"), salt, 1000, HashAlgorithmName.SHA256, 32);
        await File.WriteAllTextAsync(paths.AdminUsers, JsonSerializer.Serialize(new[] { new { name = "alice", salt = Convert.ToBase64String(salt), hash = Convert.ToBase64String(hash), iterations = 1000 } }));
        var users = new AdminUsers(manager.Store, paths);

        Assert.Equal(1, await users.ImportLocalFileAsync(CancellationToken.None));

        Assert.True(await users.VerifyAsync("alice", "the-old-password", CancellationToken.None));
        Assert.False(await users.VerifyAsync("alice", "another-password", CancellationToken.None));
        Assert.False(File.Exists(paths.AdminUsers));
        Assert.True(File.Exists(paths.AdminUsers + ".imported"));
        Assert.Equal(0, await users.ImportLocalFileAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_short_or_overlong_password_or_a_name_with_other_characters_is_refused_and_changes_nothing()
    {
        var users = new AdminUsers(manager.Store, new ManagerPaths(manager.DataDir));

        await Assert.ThrowsAsync<ChangeRejectedException>(() => users.SetAsync("bob", "short", CancellationToken.None));
        await Assert.ThrowsAsync<ChangeRejectedException>(() => users.SetAsync("bob\n", "long-enough-password", CancellationToken.None));
        await Assert.ThrowsAsync<ChangeRejectedException>(() => users.SetAsync("bob", new string('p', AdminUsers.MaxPassword + 1), CancellationToken.None));

        Assert.Empty(await users.NamesAsync(CancellationToken.None));
        // At login, an overlong password is hashed only up to the bound and never matches.
        await users.SetAsync("bob", new string('p', AdminUsers.MaxPassword), CancellationToken.None);
        Assert.True(await users.VerifyAsync("bob", new string('p', AdminUsers.MaxPassword), CancellationToken.None));
        Assert.False(await users.VerifyAsync("bob", new string('p', AdminUsers.MaxPassword + 1), CancellationToken.None));
    }

    public void Dispose() => manager.Dispose();
}
