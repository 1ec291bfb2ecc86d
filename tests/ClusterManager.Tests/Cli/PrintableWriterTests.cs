using Gatehouse.ClusterManager.Cli;

namespace Gatehouse.ClusterManager.Tests.Cli;

/// <summary>Text from nodes reaches an admin's terminal without its escape sequences.</summary>
[Trait("Category", "Security")]
public sealed class PrintableWriterTests
{
    [Fact]
    public void Escape_and_other_control_characters_print_as_question_marks_and_lines_and_tabs_stay()
    {
        var text = new StringWriter();
        using var writer = new PrintableWriter(text);

        writer.Write("subject\u001b]0;owned\u0007\u009b2J");
        writer.Write('\u001b');
        writer.WriteLine("\tnext\r");
        writer.Write("plain");

        Assert.Equal("subject?]0;owned??2J?\tnext\r" + Environment.NewLine + "plain", text.ToString());
    }
}
