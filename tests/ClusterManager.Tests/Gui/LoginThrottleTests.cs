using System.Net;
using Gatehouse.ClusterManager.Gui;
using Gatehouse.ClusterManager.Runtime;

namespace Gatehouse.ClusterManager.Tests.Gui;

[Trait("Category", "Security")]
public sealed class LoginThrottleTests : IDisposable
{
    private readonly string dataDir = Directory.CreateTempSubdirectory("gatehouse-login-").FullName;
    private readonly ClusterManager.Store.FileStore store;

    public LoginThrottleTests() => store = new ClusterManager.Store.FileStore(dataDir);

    private static readonly IPAddress Attacker = IPAddress.Parse("203.0.113.9");
    private static readonly IPAddress Admin = IPAddress.Parse("198.51.100.20");

    [Fact]
    public async Task A_user_may_fail_five_times_from_an_address_then_waits_there_even_with_the_right_password()
    {
        var users = new AdminUsers(store, new ManagerPaths(dataDir));
        await users.SetAsync("admin", "the-right-password", CancellationToken.None);
        using var throttle = new LoginThrottle(users);

        var answers = await FailSevenTimes(throttle, "admin", Attacker);

        Assert.Equal([false, false, false, false, false, null, null], answers);
        Assert.Null(await throttle.VerifyAsync("admin", Attacker, "the-right-password", CancellationToken.None));
        // Another name is not held back by the first one's failures.
        Assert.False(await throttle.VerifyAsync("nobody", Attacker, "x", CancellationToken.None));
    }

    [Fact]
    public async Task Failures_from_one_address_do_not_lock_the_admin_out_from_another()
    {
        var users = new AdminUsers(store, new ManagerPaths(dataDir));
        await users.SetAsync("admin", "the-right-password", CancellationToken.None);
        using var throttle = new LoginThrottle(users);

        await FailSevenTimes(throttle, "admin", Attacker);

        Assert.True(await throttle.VerifyAsync("admin", Admin, "the-right-password", CancellationToken.None));
    }

    [Fact]
    public async Task A_name_that_is_no_user_is_answered_exactly_like_one_that_is()
    {
        var users = new AdminUsers(store, new ManagerPaths(dataDir));
        await users.SetAsync("admin", "the-right-password", CancellationToken.None);
        using var throttle = new LoginThrottle(users);

        // Random names first: on their own, they must not make real names stand out.
        foreach (var name in new[] { "guess1", "guess2", "guess3", "guess4", "guess5", "guess6" })
        {
            Assert.False(await throttle.VerifyAsync(name, Attacker, "x", CancellationToken.None));
        }

        Assert.Equal(await FailSevenTimes(throttle, "admin", Attacker), await FailSevenTimes(throttle, "nobody", Attacker));
    }

    private static async Task<List<bool?>> FailSevenTimes(LoginThrottle throttle, string name, IPAddress from)
    {
        var answers = new List<bool?>();
        for (var i = 0; i < 7; i++)
        {
            answers.Add(await throttle.VerifyAsync(name, from, $"wrong-{i}", CancellationToken.None));
        }

        return answers;
    }

    public void Dispose()
    {
        store.Dispose();
        Directory.Delete(dataDir, recursive: true);
    }
}
