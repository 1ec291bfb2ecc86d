using System.Security.Cryptography;
using System.Text;
using Gatehouse.ClusterManager.Runtime;
using Gatehouse.Configuration.Files;

namespace Gatehouse.ClusterManager.Access;

/// <summary>
/// The admin API token, made at first start in <c>DATA/admin.token</c> (mode 0600). The
/// server keeps only its hash in memory and compares in constant time.
/// </summary>
internal sealed class AdminToken
{
    private readonly byte[] hash;

    private AdminToken(string token) => hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public static AdminToken LoadOrCreate(ManagerPaths paths)
    {
        if (!File.Exists(paths.AdminToken))
        {
            var token = "gha_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            AtomicFile.Write(paths.AdminToken, Encoding.ASCII.GetBytes(token + "\n"), privateFile: true);
        }

        return new AdminToken(File.ReadAllText(paths.AdminToken).Trim());
    }

    public bool Matches(string presented) =>
        CryptographicOperations.FixedTimeEquals(hash, SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
