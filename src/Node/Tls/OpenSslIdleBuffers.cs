using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Gatehouse.Node.Tls;

/// <summary>
/// Lets OpenSSL free a connection's TLS record buffers whenever they are empty
/// (<c>SSL_MODE_RELEASE_BUFFERS</c>, as nginx and CPython set it). .NET keeps both buffers, about
/// 34 KB, for the connection's life; an SMTP session mostly waits, so most of them idle empty.
/// </summary>
/// <remarks>
/// .NET has no option for it, so the session's OpenSSL handle is read from <see cref="SslStream"/>'s
/// private state, and only when it is the type that wraps an <c>SSL*</c>: a runtime that changes
/// it leaves the buffers as they are (a unit test notices), never calls OpenSSL with anything else.
/// </remarks>
internal static partial class OpenSslIdleBuffers
{
    private const int SslCtrlMode = 33;
    private const nint ReleaseBuffers = 0x10;

    private static readonly FieldInfo? SecurityContext =
        typeof(SslStream).GetField("_securityContext", BindingFlags.Instance | BindingFlags.NonPublic);

    /// <summary>Sets the mode on an authenticated stream; false where it cannot.</summary>
    public static bool Release(SslStream tls)
    {
        if (!OperatingSystem.IsLinux() || SecurityContext?.GetValue(tls) is not SafeHandle { IsInvalid: false, IsClosed: false } ssl
            || ssl.GetType().FullName != "Microsoft.Win32.SafeHandles.SafeSslHandle")
        {
            return false;
        }

        var added = false;
        try
        {
            ssl.DangerousAddRef(ref added);
            return (SslCtrl(ssl.DangerousGetHandle(), SslCtrlMode, ReleaseBuffers, 0) & ReleaseBuffers) != 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                ssl.DangerousRelease();
            }
        }
    }

    // libssl.so.3 is the library .NET itself loads first, so this is the same OpenSSL.
    [LibraryImport("libssl.so.3", EntryPoint = "SSL_ctrl")]
    private static partial nint SslCtrl(nint ssl, int command, nint argument, nint pointer);
}
