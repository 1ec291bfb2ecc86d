using System.Formats.Asn1;
using System.Text;

namespace Gatehouse.Configuration.Ldap;

/// <summary>
/// LDAP search filters as an admin writes them (RFC 4515: <c>(mail={a})</c>,
/// <c>(|(mail={a})(proxyAddresses=smtp:{a}))</c>), encoded as the RFC 4511 Filter a server
/// reads. Extensible matches are refused: recipient checks never need them.
/// </summary>
public static class LdapFilter
{
    public const int MaxLength = 4096;
    private const int MaxDepth = 16;

    /// <summary>
    /// The accept query for one recipient: <c>{a}</c> the address, <c>{u}</c> its local part,
    /// <c>{d}</c> its domain, each escaped so that no address can change the filter's shape.
    /// </summary>
    public static string ForRecipient(string query, string address)
    {
        var at = address.LastIndexOf('@');
        var local = at < 0 ? address : address[..at];
        var domain = at < 0 ? "" : address[(at + 1)..];
        var result = new StringBuilder(query.Length + address.Length * 2);
        for (var i = 0; i < query.Length; i++)
        {
            var token = i + 2 < query.Length && query[i] == '{' && query[i + 2] == '}' ? query[i + 1] : '\0';
            var value = token switch { 'a' => address, 'u' => local, 'd' => domain, _ => null };
            if (value is null)
            {
                result.Append(query[i]);
                continue;
            }

            result.Append(Escape(value));
            i += 2;
        }

        return result.ToString();
    }

    /// <summary>A value as a filter literal (RFC 4515 section 3).</summary>
    public static string Escape(string value)
    {
        var result = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            result.Append(c switch
            {
                '*' => @"\2a",
                '(' => @"\28",
                ')' => @"\29",
                '\\' => @"\5c",
                '\0' => @"\00",
                _ => c.ToString(),
            });
        }

        return result.ToString();
    }

    /// <summary>The BER encoding of the filter; <see cref="FormatException"/> says what is wrong.</summary>
    public static byte[] Encode(string filter)
    {
        if (filter.Length > MaxLength)
        {
            throw new FormatException($"filter longer than {MaxLength} characters");
        }

        var writer = new AsnWriter(AsnEncodingRules.BER);
        var parser = new Parser(filter.Trim());
        parser.Filter(writer, depth: 0);
        parser.End();
        return writer.Encode();
    }

    private sealed class Parser(string text)
    {
        private int at;

        public void End()
        {
            if (at != text.Length)
            {
                throw Fault("text after the end of the filter");
            }
        }

        public void Filter(AsnWriter writer, int depth)
        {
            if (depth > MaxDepth)
            {
                throw Fault($"filter nested deeper than {MaxDepth}");
            }

            Expect('(');
            switch (Peek())
            {
                case '&':
                    at++;
                    List(writer, 0, depth);
                    break;
                case '|':
                    at++;
                    List(writer, 1, depth);
                    break;
                case '!':
                    at++;
                    writer.PushSequence(Context(2, constructed: true));
                    Filter(writer, depth + 1);
                    writer.PopSequence(Context(2, constructed: true));
                    break;
                default:
                    Item(writer);
                    break;
            }

            Expect(')');
        }

        private void List(AsnWriter writer, int tag, int depth)
        {
            writer.PushSetOf(Context(tag, constructed: true));
            do
            {
                Filter(writer, depth + 1);
            }
            while (Peek() == '(');
            writer.PopSetOf(Context(tag, constructed: true));
        }

        private void Item(AsnWriter writer)
        {
            var start = at;
            while (at < text.Length && (char.IsAsciiLetterOrDigit(text[at]) || text[at] is '-' or '.' or ';'))
            {
                at++;
            }

            var attribute = text[start..at];
            if (attribute.Length == 0)
            {
                throw Peek() == ':' ? Fault("extensible match filters are not supported") : Fault("an attribute name is expected");
            }

            var operation = Peek() switch
            {
                '=' => "=",
                '~' or '>' or '<' when at + 1 < text.Length && text[at + 1] == '=' => text.Substring(at, 2),
                ':' => throw Fault("extensible match filters are not supported"),
                _ => throw Fault($"'=', '~=', '>=' or '<=' expected after '{attribute}'"),
            };
            at += operation.Length;
            var valueStart = at;
            while (at < text.Length && text[at] != ')')
            {
                if (text[at] == '(')
                {
                    throw Fault("'(' in a value must be written \\28");
                }

                at++;
            }

            var value = text[valueStart..at];
            var tag = operation switch { "~=" => 8, ">=" => 5, "<=" => 6, _ => 3 };
            if (tag == 3 && value == "*")
            {
                writer.WriteOctetString(Encoding.UTF8.GetBytes(attribute), Context(7, constructed: false));
            }
            else if (tag == 3 && value.Contains('*', StringComparison.Ordinal))
            {
                Substrings(writer, attribute, value.Split('*'));
            }
            else
            {
                writer.PushSequence(Context(tag, constructed: true));
                writer.WriteOctetString(Encoding.UTF8.GetBytes(attribute));
                writer.WriteOctetString(Unescape(value));
                writer.PopSequence(Context(tag, constructed: true));
            }
        }

        private void Substrings(AsnWriter writer, string attribute, string[] parts)
        {
            writer.PushSequence(Context(4, constructed: true));
            writer.WriteOctetString(Encoding.UTF8.GetBytes(attribute));
            writer.PushSequence();
            for (var i = 0; i < parts.Length; i++)
            {
                if (parts[i].Length > 0)
                {
                    var kind = i == 0 ? 0 : i == parts.Length - 1 ? 2 : 1;
                    writer.WriteOctetString(Unescape(parts[i]), Context(kind, constructed: false));
                }
            }

            writer.PopSequence();
            writer.PopSequence(Context(4, constructed: true));
        }

        private byte[] Unescape(string value)
        {
            var bytes = new List<byte>(value.Length);
            var i = 0;
            while (i < value.Length)
            {
                var escape = value.IndexOf('\\', i);
                var run = (escape < 0 ? value.Length : escape) - i;
                bytes.AddRange(Encoding.UTF8.GetBytes(value.Substring(i, run)));
                i += run;
                if (escape < 0)
                {
                    break;
                }

                if (i + 2 >= value.Length || !byte.TryParse(value.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
                {
                    throw Fault("'\\' in a value must be followed by two hex digits");
                }

                bytes.Add(b);
                i += 3;
            }

            return [.. bytes];
        }

        private char Peek() => at < text.Length ? text[at] : '\0';

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw Fault($"'{c}' expected");
            }

            at++;
        }

        private FormatException Fault(string message) => new($"{message} at position {at + 1}");

        private static Asn1Tag Context(int number, bool constructed) => new(TagClass.ContextSpecific, number, constructed);
    }
}
