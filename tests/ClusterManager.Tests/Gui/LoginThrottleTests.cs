using Gatehouse.ClusterManager.Gui;
using Gatehouse.ClusterManager.Runtime;

namespace Gatehouse.ClusterManager.Tests.Gui;

[Trait("Category", "Security")]
public sealed class LoginThrottleTests : IDisposable
{
    private readonly string dataDir = Directory.CreateTempSubdirectory("gatehouse-login-").FullName;

    [Fact]
    public async Task A_user_may_fail_five_times_then_waits_even_with_the_right_password()
    {
        var users = new AdminUsers(new ManagerPaths(dataDir));
        users.Set("admin", "the-right-password");
        using var throttle = new LoginThrottle(users);

        var answers = new List<bool?>();
        for (var i = 0; i < 7; i++)
        {
            answers.Add(await throttle.VerifyAsync("admin", $"wrong-{i}", CancellationToken.None));
            await Task.Delay(300);
        }

        Assert.Equal([false, false, false, false, false, null, null], answers);
        Assert.Null(await throttle.VerifyAsync("admin", "the-right-password", CancellationToken.None));
        // Another user is not held back by the first one's failures.
        Assert.False(await throttle.VerifyAsync("nobody", "x", CancellationToken.None));
    }

    public void Dispose() => Directory.Delete(dataDir, recursive: true);
}
