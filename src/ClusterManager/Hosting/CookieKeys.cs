using Gatehouse.ClusterManager.Runtime;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.ClusterManager.Store;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;

namespace Gatehouse.ClusterManager.Hosting;

/// <summary>
/// The keys that protect GUI cookies and anti-forgery tokens: in the data directory (0700) for
/// the embedded store, in Redis for replicas, so that a login made on one replica holds on
/// the others and no key ring lives outside the manager's own state. Each key is encrypted with
/// the manager's secrets key (<see cref="CookieKeyEncryptor"/>): whoever reads Redis, its
/// backups or the key directory cannot mint a login cookie from them.
/// </summary>
internal static class CookieKeys
{
    public static void AddCookieKeys(this IServiceCollection services, ManagerPaths paths, object store, SecretBox secrets)
    {
        var protection = services.AddDataProtection().SetApplicationName("gatehouse-manager");
        services.Configure<KeyManagementOptions>(options => options.XmlEncryptor = new CookieKeyEncryptor(secrets));
        if (store is RedisStore redis)
        {
            protection.PersistKeysToStackExchangeRedis(redis.Connection, redis.Key("data-protection-keys"));
            return;
        }

        var directory = Directory.CreateDirectory(Path.Combine(paths.DataDir, "keys", "data-protection"));
        File.SetUnixFileMode(directory.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        protection.PersistKeysToFileSystem(directory);
    }
}
