using System.Net;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>The keys that protect GUI cookies live in the shared store: a login holds on every replica.</summary>
public sealed class ReplicaLoginTests
{
    [Fact]
    public async Task A_GUI_login_made_on_one_replica_is_honoured_by_the_other()
    {
        var root = Directory.CreateTempSubdirectory("gatehouse-replica-login-").FullName;
        try
        {
            await using var redis = await RedisServer.StartAsync(Path.Combine(root, "redis"));
            await using var first = new ManagerInstance(root, IPAddress.Loopback, "manager1", redis.Uri);
            await using var second = new ManagerInstance(root, IPAddress.Parse("127.0.0.2"), "manager2", redis.Uri);
            await first.StartAsync();
            second.ShareSecretsOf(first);
            await second.StartAsync();
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
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
