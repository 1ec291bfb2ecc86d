using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.ClusterManager.Store;

/// <summary>
/// Where the shared store is and how to reach it safely: <c>rediss://</c> for TLS, verified
/// against a CA file; an ACL user in the URL; the password only in a file (a URL or argument
/// would show it in the process list).
/// </summary>
internal sealed record RedisLocation(Uri Uri, string? Password, X509Certificate2? Ca)
{
    public bool Tls => Uri.Scheme == "rediss";

    public string? User => Uri.UserInfo.Length > 0 ? Uri.UnescapeDataString(Uri.UserInfo) : null;

    public static RedisLocation Parse(string text, string? passwordFile, string? caFile)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
        {
            throw new StoreException($"--store must be rediss://[USER@]HOST:PORT (or redis:// without TLS), not '{text}'");
        }

        if (uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            throw new StoreException("--store must not hold a password (it would show in the process list); put it in a file and give --store-password-file FILE");
        }

        if (caFile is not null && uri.Scheme != "rediss")
        {
            throw new StoreException("--store-ca-file is for TLS: use rediss://");
        }

        var password = passwordFile is null ? null : Read(passwordFile, "--store-password-file").Trim();
        X509Certificate2? ca = null;
        if (caFile is not null)
        {
            Read(caFile, "--store-ca-file");
            try
            {
                ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            }
            catch (System.Security.Cryptography.CryptographicException e)
            {
                throw new StoreException($"--store-ca-file {caFile} is not a certificate: {e.Message}");
            }
        }

        return new RedisLocation(uri, password, ca);
    }

    private static string Read(string path, string option)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"{option} {path} cannot be read: {e.Message}");
        }
    }
}
