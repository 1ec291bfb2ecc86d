using System.Buffers;

namespace Gatehouse.Node.Smtp;

/// <summary>What is wrong with a command line as received, if anything.</summary>
internal enum LineFault
{
    None,

    /// <summary>Longer than <see cref="SmtpLimits.MaxCommandLine"/> but ended: refused, the session goes on.</summary>
    TooLong,

    /// <summary>Past the limit by <see cref="SmtpLimits.MaxBufferedLine"/> with no end in sight: refused and closed.</summary>
    Unbounded,

    /// <summary>Ended by LF alone: a line must end with CRLF (no smuggling through lenient parsers).</summary>
    BareLineFeed,

    /// <summary>CR, NUL, ESC or another control character inside: never copied into headers or logs.</summary>
    ControlCharacter,
}

/// <summary>Checks one received command line (the bytes before its LF).</summary>
internal static class CommandLineCheck
{
    public static LineFault Check(ReadOnlySequence<byte> line)
    {
        if (line.Length > SmtpLimits.MaxCommandLine)
        {
            return LineFault.TooLong;
        }

        Span<byte> bytes = stackalloc byte[(int)line.Length];
        line.CopyTo(bytes);
        if (bytes.Length == 0 || bytes[^1] != (byte)'\r')
        {
            return LineFault.BareLineFeed;
        }

        foreach (var b in bytes[..^1])
        {
            if (b < 0x20 || b == 0x7F)
            {
                return LineFault.ControlCharacter;
            }
        }

        return LineFault.None;
    }
}
