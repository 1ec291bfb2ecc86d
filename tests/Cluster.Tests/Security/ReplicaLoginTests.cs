using System.Net;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>
/// The keys that protect GUI cookies live in the shared store: a login holds on every replica.
/// They are sealed with the manager's secrets key, so reading Redis or the data directory is
/// not enough to mint a login cookie.
/// </summary>
public sealed class ReplicaLoginTests
{
    [Fact]
    public async Task A_GUI_login_made_on_one_replica_is_honoured_by_the_other_users_are_shared_and_the_cookie_keys_in_Redis_are_sealed()
    {
        await using var replicas = await ReplicaSet.StartAsync();
        var (first, second) = (replicas.First, replicas.Second);
        const string Password = "replica-password-1";
        foreach (var replica in new[] { first, second })
        {
            (await replica.CliWithInputAsync($"{Password}\n{Password}\n", "users", "add", "admin")).Succeeded();
        }

        var cookies = new CookieContainer();
        using var one = GuiBrowser.Open(first, cookies);
        Assert.Equal(HttpStatusCode.Redirect, (await GuiBrowser.LoginAsync(one, "admin", Password)).Status);
        var session = cookies.GetCookies(first.Url)["gatehouse"]!.Value;

        using var two = GuiBrowser.Open(second);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        request.Headers.Add("Cookie", $"gatehouse={session}");
        using var page = await two.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Log out", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(second.DataDir, "keys"), "*.xml", SearchOption.AllDirectories));

        // Users live in the store: a password set on one replica is the only one on both, a user deleted on one is gone from both.
        const string NewPassword = "replica-password-2";
        (await second.CliWithInputAsync($"{NewPassword}\n{NewPassword}\n", "users", "add", "admin")).Succeeded();
        using (var old = GuiBrowser.Open(first))
        {
            Assert.NotEqual(HttpStatusCode.Redirect, (await GuiBrowser.LoginAsync(old, "admin", Password)).Status);
        }

        using (var renewed = GuiBrowser.Open(first))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await GuiBrowser.LoginAsync(renewed, "admin", NewPassword)).Status);
        }

        (await first.CliAsync("users", "delete", "admin")).Succeeded();
        Assert.Empty((await second.CliAsync("users", "list")).Succeeded().Output.Trim());
        using (var gone = GuiBrowser.Open(second))
        {
            Assert.NotEqual(HttpStatusCode.Redirect, (await GuiBrowser.LoginAsync(gone, "admin", NewPassword)).Status);
        }

        Assert.Contains("user delete", (await second.CliAsync("audit")).Succeeded().Output, StringComparison.Ordinal);

        var redis = replicas.Redis.Uri;
        var stored = (await ManagedProcess.RunProgramAsync("redis-cli",
            ["-h", redis.Host, "-p", redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "LRANGE", "gatehouse:data-protection-keys", "0", "-1"])).Succeeded().Output;
        AssertSealed(stored);
    }

    [Fact]
    public async Task The_cookie_keys_of_a_manager_on_its_file_store_are_sealed_and_still_open_after_a_restart()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var manager = cluster.Manager;
        const string Password = "file-store-password-1";
        (await manager.CliWithInputAsync($"{Password}\n{Password}\n", "users", "add", "admin")).Succeeded();
        var cookies = new CookieContainer();
        using (var gui = GuiBrowser.Open(manager, cookies))
        {
            Assert.Equal(HttpStatusCode.Redirect, (await GuiBrowser.LoginAsync(gui, "admin", Password)).Status);
        }

        var files = Directory.GetFiles(Path.Combine(manager.DataDir, "keys", "data-protection"), "*.xml");
        AssertSealed(string.Concat(files.Select(File.ReadAllText)));

        await manager.StopAsync();
        await manager.StartAsync();
        using var again = GuiBrowser.Open(manager, cookies);
        using var page = await again.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Log out", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    // A key ring in clear holds <masterKey><value>BASE64</value></masterKey>; a sealed one only its ciphertext.
    private static void AssertSealed(string stored)
    {
        Assert.Matches("<sealed[^>]*>enc:v2:", stored);
        Assert.DoesNotContain("<masterKey", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("<value>", stored, StringComparison.Ordinal);
    }
}
