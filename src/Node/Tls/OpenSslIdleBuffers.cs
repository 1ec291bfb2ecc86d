using System.Net.Security;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Gatehouse.Node.Tls;

/// <summary>
/// Lets OpenSSL free a connection's TLS record buffers whenever they are empty
/// (<c>SSL_MODE_RELEASE_BUFFERS</c>, as nginx and CPython set it), and drops what the handshake
/// left in the session's two memory BIOs. .NET keeps both for the connection's life; an SMTP
/// session mostly waits, so most of them idle empty.
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
    private const int BioTypeMem = 1 | 0x0400;
    private const int BioCtrlPending = 10;
    private const int BioCtrlWPending = 13;
    private const int BioSetBufMem = 114;
    private const nint BioClose = 1;

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
            var handle = ssl.DangerousGetHandle();
            ShrinkMemoryBio(SslGetRbio(handle));
            ShrinkMemoryBio(SslGetWbio(handle));
            return (SslCtrl(handle, SslCtrlMode, ReleaseBuffers, 0) & ReleaseBuffers) != 0;
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

    /// <summary>
    /// Gives an empty memory BIO a fresh, empty buffer: a memory BIO keeps the largest buffer it
    /// ever needed — here the handshake's flights — for the connection's life.
    /// </summary>
    private static void ShrinkMemoryBio(nint bio)
    {
        if (bio == 0 || BioMethodType(bio) != BioTypeMem || BioCtrl(bio, BioCtrlPending, 0, 0) != 0 || BioCtrl(bio, BioCtrlWPending, 0, 0) != 0)
        {
            return;
        }

        var fresh = BufMemNew();
        if (fresh != 0)
        {
            // BIO_CLOSE: the BIO owns the new buffer and frees the old one now.
            BioCtrl(bio, BioSetBufMem, BioClose, fresh);
        }
    }

    [LibraryImport("libssl.so.3", EntryPoint = "SSL_get_rbio")]
    private static partial nint SslGetRbio(nint ssl);

    [LibraryImport("libssl.so.3", EntryPoint = "SSL_get_wbio")]
    private static partial nint SslGetWbio(nint ssl);

    [LibraryImport("libcrypto.so.3", EntryPoint = "BIO_method_type")]
    private static partial int BioMethodType(nint bio);

    [LibraryImport("libcrypto.so.3", EntryPoint = "BIO_ctrl")]
    private static partial long BioCtrl(nint bio, int command, long argument, nint pointer);

    [LibraryImport("libcrypto.so.3", EntryPoint = "BUF_MEM_new")]
    private static partial nint BufMemNew();

    // libssl.so.3 is the library .NET itself loads first, so this is the same OpenSSL.
    [LibraryImport("libssl.so.3", EntryPoint = "SSL_ctrl")]
    private static partial nint SslCtrl(nint ssl, int command, nint argument, nint pointer);
}
