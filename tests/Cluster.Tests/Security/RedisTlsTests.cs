using System.Net;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>
/// Redis is a trust root of a replicated manager: reached over TLS against a named CA, as an
/// ACL user whose password comes from a file, never from the command line.
/// </summary>
public sealed class RedisTlsTests
{
    [Fact]
    public async Task Replicas_use_Redis_over_verified_TLS_as_an_ACL_user_and_refuse_anything_less()
    {
        var root = Directory.CreateTempSubdirectory("gatehouse-redis-tls-").FullName;
        try
        {
            var ca = await TestCa.CreateAsync(Path.Combine(root, "ca"));
            var (certificate, key) = await ca.IssueAsync("localhost", "redis");
            var chain = Path.Combine(root, "redis-chain.pem");
            await File.WriteAllTextAsync(chain, await File.ReadAllTextAsync(certificate) + await File.ReadAllTextAsync(ca.IntermediateCertificate));
            await using var redis = await RedisServer.StartTlsAsync(Path.Combine(root, "redis"), chain, key, "gatehouse");

            await using var manager = new ManagerInstance(root, IPAddress.Loopback, "manager1", redis.Uri)
            {
                StoreOptions = ["--store-password-file", redis.PasswordFile, "--store-ca-file", ca.RootCertificate],
            };
            await manager.StartAsync();
            (await manager.LoadConfigAsync("alert_settings: {from_address: tls@example.com}", merge: true)).Succeeded();
            Assert.Equal(2, await manager.CommitAsync("over TLS"));

            // The system's CAs do not vouch for this server: the replica does not start on it.
            var untrusted = await StartAsync(root, "manager2", manager, redis.Uri, "--store-password-file", redis.PasswordFile);
            Assert.Contains("Redis", untrusted, StringComparison.Ordinal);

            var wrongPassword = Path.Combine(root, "wrong-password");
            await File.WriteAllTextAsync(wrongPassword, "not-the-password\n");
            var refused = await StartAsync(root, "manager3", manager, redis.Uri, "--store-password-file", wrongPassword, "--store-ca-file", ca.RootCertificate);
            Assert.Contains("Redis", refused, StringComparison.Ordinal);

            var inUrl = await ManagedProcess.RunAsync(Binaries.Manager,
                ["serve", "--data-dir", Path.Combine(root, "manager4"), "--store", $"rediss://gatehouse:secret@localhost:{redis.Uri.Port}"]);
            Assert.NotEqual(0, inUrl.ExitCode);
            Assert.Contains("--store must not hold a password", inUrl.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", inUrl.Error.Replace("--store-password-file", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    // A replica that must not get going: returns what it said as it exited.
    private static async Task<string> StartAsync(string root, string name, ManagerInstance first, Uri store, params string[] options)
    {
        await using var replica = new ManagerInstance(root, IPAddress.Parse("127.0.0.2"), name, store) { StoreOptions = options };
        replica.ShareSecretsOf(first);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(replica.StartAsync);
        return failure.Message;
    }
}
