using System.Text;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// The client commands' output, as the terminal receives it: what they print comes in part from
/// nodes (tracking, queue and tlsverify answers, refusal reasons), and a node that was broken into
/// must not be able to send escape sequences to an admin's terminal. Control characters other
/// than line breaks and tabs are shown as '?'.
/// </summary>
internal sealed class PrintableWriter(TextWriter inner) : TextWriter
{
    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value) => inner.Write(Printable(value));

    public override void Write(string? value) => inner.Write(value is null || !value.Any(IsHostile) ? value : string.Concat(value.Select(Printable)));

    public override void WriteLine(string? value)
    {
        Write(value);
        inner.WriteLine();
    }

    public override void Flush() => inner.Flush();

    private static char Printable(char c) => IsHostile(c) ? '?' : c;

    private static bool IsHostile(char c) => char.IsControl(c) && c is not '\n' and not '\r' and not '\t';
}
