using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Gatehouse.Configuration.Tls;

/// <summary>
/// The built-in default TLS policy, given to OpenSSL as the process's own configuration
/// (<c>OPENSSL_CONF</c>) before the first TLS use. .NET keeps (and resumes sessions of) a TLS
/// context only while no CipherSuitesPolicy is set, so an endpoint on the default policy names
/// no suites and gets these from OpenSSL; only a policy that names its own suites gives up
/// session resumption.
/// </summary>
public static partial class OpenSslDefaults
{
    /// <summary>The configuration OpenSSL reads: the default policy's TLS 1.2 and 1.3 suites, TLS 1.2 at least.</summary>
    public static string Text { get; } = $"""
        # Written by Gatehouse: its built-in default TLS policy.
        openssl_conf = gatehouse
        [gatehouse]
        ssl_conf = gatehouse_ssl
        [gatehouse_ssl]
        system_default = gatehouse_default
        [gatehouse_default]
        MinProtocol = TLSv1.2
        CipherString = {string.Join(':', TlsPolicies.BuiltInDefault.Tls12CipherSuites)}:@SECLEVEL=2
        Ciphersuites = {string.Join(':', TlsPolicies.BuiltInDefault.Tls13CipherSuites)}

        """;

    /// <summary>
    /// Points this process's OpenSSL at <see cref="Text"/>; call first in Main. An OPENSSL_CONF the
    /// operator set is left alone (and the default is then theirs). False when it was.
    /// </summary>
    public static bool Apply()
    {
        if (!OperatingSystem.IsLinux() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENSSL_CONF")))
        {
            return false;
        }

        // Nothing before the setenv may touch cryptography: OpenSSL reads its configuration once,
        // at its first use. The file is this process's own, made new (O_EXCL, so no file or link
        // another local user placed in the shared temporary directory is followed or reused), read
        // by OpenSSL at once and removed.
        var path = Path.Combine(Path.GetTempPath(), $"gatehouse-openssl-{Guid.NewGuid():N}.cnf");
        using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            file.Write(Encoding.UTF8.GetBytes(Text));
        }

        try
        {
            // The native environment, which OpenSSL reads; Environment.SetEnvironmentVariable does not reach it.
            var set = SetEnv("OPENSSL_CONF", path, 1) == 0;
            _ = SHA256.HashData([]); // OpenSSL initialises here and reads the file
            return set;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
