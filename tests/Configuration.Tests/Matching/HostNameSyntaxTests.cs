using Gatehouse.Configuration.Matching;

namespace Gatehouse.Configuration.Tests.Matching;

/// <summary>A host name is labels and dots only: nothing after it, not even a line feed a pattern's <c>$</c> would let by.</summary>
public sealed class HostNameSyntaxTests
{
    [Theory]
    [InlineData("mx1.example.test", true)]
    [InlineData("example.test.", true)]
    [InlineData("_mta-sts.example.test", true)]
    [InlineData("example.test\n", false)]
    [InlineData("example.test\r\n", false)]
    [InlineData("example.test\nRCPT TO:<x@y>", false)]
    [InlineData("-bad.example", false)]
    [InlineData("", false)]
    public void Only_labels_and_dots_are_a_host_name(string name, bool valid) => Assert.Equal(valid, HostNameSyntax.IsValid(name));
}
