using System.Text.Json.Nodes;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>
/// Whoever can write to Redis still cannot move an encrypted private key from one certificate
/// to another: each value is bound to its place, and a moved one is refused by name.
/// </summary>
public sealed class StoredSecretTests
{
    [Fact]
    public async Task A_private_key_moved_between_certificates_in_Redis_is_refused()
    {
        await using var replicas = await ReplicaSet.StartAsync();
        var (root, redis, manager) = (replicas.Root, replicas.Redis, replicas.First);
        foreach (var name in new[] { "alpha", "beta" })
        {
            (await manager.CliAsync("certconfig", "new", name, "--cn", $"{name}.example.test", "--key", "ecdsa-p256")).Succeeded();
        }

        var version = await manager.CommitAsync("two certificates");
        var plain = Path.Combine(root, "plain.yaml");
        (await manager.CliAsync("saveconfig", "--out", plain, "--keys", "plain")).Succeeded();

        // Swap the two stored (encrypted) keys, as an intruder in Redis could.
        var key = $"gatehouse:version:{version}";
        var stored = JsonNode.Parse((await RedisCliAsync(redis, "GET", key)).Trim())!;
        var certificates = stored["content"]!["cluster"]!["certificates"]!.AsArray();
        var alpha = certificates.First(c => (string)c!["name"]! == "alpha")!;
        var beta = certificates.First(c => (string)c!["name"]! == "beta")!;
        (alpha["private_key_pem"], beta["private_key_pem"]) = ((string)beta["private_key_pem"]!, (string)alpha["private_key_pem"]!);
        Assert.StartsWith("enc:v2:", (string)alpha["private_key_pem"]!, StringComparison.Ordinal);
        await RedisCliAsync(redis, "SET", key, stored.ToJsonString());

        var refused = await manager.CliAsync("saveconfig", "--out", Path.Combine(root, "tampered.yaml"), "--keys", "plain");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("cluster.certificates[alpha].private_key_pem cannot be decrypted", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(root, "tampered.yaml")));
    }

    private static async Task<string> RedisCliAsync(RedisServer redis, params string[] command) =>
        (await ManagedProcess.RunProgramAsync("redis-cli", ["-h", redis.Uri.Host, "-p", redis.Uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. command])).Succeeded().Output;
}
