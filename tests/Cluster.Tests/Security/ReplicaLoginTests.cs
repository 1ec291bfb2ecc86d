using System.Net;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>The keys that protect GUI cookies live in the shared store: a login holds on every replica.</summary>
public sealed class ReplicaLoginTests
{
    [Fact]
    public async Task A_GUI_login_made_on_one_replica_is_honoured_by_the_other()
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
    }
}
