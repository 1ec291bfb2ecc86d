using System.Buffers;
using System.Text;
using Gatehouse.Node.Messages;
using Gatehouse.Node.Smtp;

namespace Gatehouse.Fuzz.Targets;

/// <summary>Command lines as a client sends them: the line check, then the MAIL and RCPT arguments and the HELO name.</summary>
internal sealed class SmtpCommandLines : FuzzTarget
{
    public override string Name => "smtp-commands";

    public override void Run(byte[] input)
    {
        foreach (var line in Lines(input))
        {
            if (CommandLineCheck.Check(new ReadOnlySequence<byte>(line)) != LineFault.None)
            {
                continue;
            }

            var text = Encoding.Latin1.GetString(line).TrimEnd('\r');
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            var (verb, arguments) = space < 0 ? (text, "") : (text[..space], text[(space + 1)..]);
            switch (verb.ToUpperInvariant())
            {
                case "MAIL":
                    MailAddress.TryParse(arguments, "FROM:", out _, out _);
                    break;
                case "RCPT":
                    MailAddress.TryParse(arguments, "TO:", out _, out _);
                    break;
                case "HELO" or "EHLO":
                    HeloName.IsValid(arguments);
                    break;
            }
        }
    }

    private static IEnumerable<byte[]> Lines(byte[] input)
    {
        var start = 0;
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] == (byte)'\n')
            {
                yield return input[start..i];
                start = i + 1;
            }
        }

        yield return input[start..];
    }
}
