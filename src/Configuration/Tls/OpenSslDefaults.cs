using System.Runtime.InteropServices;

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

        // Nothing here may touch cryptography: OpenSSL reads its configuration once, at its first use.
        // One file per user, rewritten whole when another build wrote something else.
        var path = Path.Combine(Path.GetTempPath(), $"gatehouse-openssl-{Environment.UserName}.cnf");
        if (!File.Exists(path) || File.ReadAllText(path) != Text)
        {
            var temporary = $"{path}.{Environment.ProcessId}";
            File.WriteAllText(temporary, Text);
            File.Move(temporary, path, overwrite: true);
        }

        // The native environment, which OpenSSL reads; Environment.SetEnvironmentVariable does not reach it.
        return SetEnv("OPENSSL_CONF", path, 1) == 0;
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
