using System.Text;

namespace Gatehouse.Node.Scanning;

/// <summary>One header field as stored: its name and its whole text (name, colon, value, every folded line with its CRLF), in Latin-1.</summary>
internal sealed record HeaderField(string Name, string Text)
{
    /// <summary>What follows the colon, folded lines joined by a bare LF as Sendmail hands them to milters.</summary>
    public string Value => Text[(Text.IndexOf(':') + 1)..].TrimEnd('\r', '\n').Replace("\r\n", "\n", StringComparison.Ordinal);

    /// <summary>A field from a milter's name and value: one line per LF, each folded line starting with white space so that no value starts a field of its own.</summary>
    public static HeaderField Of(string name, string value)
    {
        var lines = value.Replace("\r", "", StringComparison.Ordinal).Replace("\0", "", StringComparison.Ordinal).Split('\n');
        var text = new StringBuilder(name).Append(':');
        for (var i = 0; i < lines.Length; i++)
        {
            if (i > 0)
            {
                text.Append("\r\n").Append(lines[i].StartsWith(' ') || lines[i].StartsWith('\t') ? "" : "\t");
            }

            text.Append(lines[i]);
        }

        return new HeaderField(name, text.Append("\r\n").ToString());
    }
}

/// <summary>
/// The header section of a stored message, read up to the empty line (or the first line that is
/// neither a field nor a folded line, where the body starts without one, as Postfix reads it).
/// Bounded: a section larger than <see cref="MaxBytes"/> is not read.
/// </summary>
internal sealed record HeaderSection(IReadOnlyList<HeaderField> Fields, long BodyOffset, bool HasSeparator)
{
    public const int MaxBytes = 1024 * 1024;

    public static HeaderSection Read(Stream message)
    {
        var fields = new List<HeaderField>();
        var current = new StringBuilder();
        long offset = 0;
        var line = new List<byte>(256);
        while (ReadLine(message, line))
        {
            var text = Encoding.Latin1.GetString([.. line]);
            if (text is "\r\n" or "\n")
            {
                Close(fields, current);
                return new HeaderSection(fields, offset + line.Count, true);
            }

            var folded = text[0] is ' ' or '\t';
            var colon = text.IndexOf(':');
            if (folded && current.Length > 0)
            {
                current.Append(text);
            }
            else if (!folded && colon > 0 && IsName(text[..colon].TrimEnd(' ', '\t')))
            {
                Close(fields, current);
                current.Append(text);
            }
            else
            {
                break;
            }

            offset += line.Count;
            if (offset > MaxBytes)
            {
                throw new NoVerdictException($"the message's header section is larger than {MaxBytes} bytes");
            }
        }

        Close(fields, current);
        return new HeaderSection(fields, offset, false);
    }

    /// <summary>A field name: printable ASCII but the colon (RFC 5322 §3.6.8), as a milter may name one too.</summary>
    public static bool IsName(string name) => name.Length is > 0 and <= 256 && name.All(c => c is > ' ' and <= '~' and not ':');

    private static void Close(List<HeaderField> fields, StringBuilder current)
    {
        if (current.Length > 0)
        {
            var text = current.ToString();
            fields.Add(new HeaderField(text[..text.IndexOf(':')].TrimEnd(' ', '\t'), text));
            current.Clear();
        }
    }

    // One line with its line ending; false at the end of the stream.
    private static bool ReadLine(Stream message, List<byte> line)
    {
        line.Clear();
        int b;
        while ((b = message.ReadByte()) >= 0)
        {
            line.Add((byte)b);
            if (b == '\n' || line.Count > MaxBytes)
            {
                break;
            }
        }

        return line.Count > 0;
    }
}
