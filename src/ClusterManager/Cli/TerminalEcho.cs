using System.Runtime.InteropServices;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// Turns the terminal's echo off while a password is typed, and back on afterwards (as
/// <c>stty -echo</c> does). Off before the prompt is printed, so nothing typed ahead is shown
/// either. Null where standard input is not a terminal (a pipe, a file).
/// </summary>
internal sealed partial class TerminalEcho : IDisposable
{
    private const int StandardInput = 0;
    private const int SetNow = 0;
    private const uint Echo = 0x8;

    // struct termios on Linux: four 32-bit flag words (c_lflag at byte 12), the line, 32 control characters, two speeds.
    private const int TermiosSize = 60;
    private const int LocalFlagsOffset = 12;

    private readonly byte[] saved;

    private TerminalEcho(byte[] saved) => this.saved = saved;

    public static TerminalEcho? Off()
    {
        if (Console.IsInputRedirected || !OperatingSystem.IsLinux())
        {
            return null;
        }

        var settings = new byte[TermiosSize];
        if (GetAttributes(StandardInput, settings) != 0)
        {
            return null;
        }

        var saved = (byte[])settings.Clone();
        var flags = BitConverter.ToUInt32(settings, LocalFlagsOffset) & ~Echo;
        BitConverter.GetBytes(flags).CopyTo(settings, LocalFlagsOffset);
        return SetAttributes(StandardInput, SetNow, settings) == 0 ? new TerminalEcho(saved) : null;
    }

    public void Dispose() => _ = SetAttributes(StandardInput, SetNow, saved);

    [LibraryImport("libc", EntryPoint = "tcgetattr")]
    private static partial int GetAttributes(int descriptor, [Out] byte[] settings);

    [LibraryImport("libc", EntryPoint = "tcsetattr")]
    private static partial int SetAttributes(int descriptor, int when, byte[] settings);
}
