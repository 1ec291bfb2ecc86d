using Gatehouse.Configuration.Files;

namespace Gatehouse.Configuration.Tests.Files;

/// <summary>A hostile configuration file gets a clear error, never a hang or a crash of the manager.</summary>
public sealed class ConfigFileLimitsTests
{
    [Fact]
    public void An_alias_bomb_is_refused_at_its_first_anchor()
    {
        var bomb = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n";
        for (var level = 'b'; level <= 'k'; level++)
        {
            var previous = (char)(level - 1);
            bomb += $"{level}: &{level} [*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous},*{previous}]\n";
        }

        var error = Assert.Throws<ConfigFileException>(() => ConfigFileReader.ReadLevel(bomb, "bomb.yaml")).Errors.Single();

        Assert.Equal(("bomb.yaml", 1), (error.File, error.Line));
        Assert.Contains("YAML anchors (&name) are not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_is_refused_even_without_a_bomb()
    {
        var error = Assert.Throws<ConfigFileException>(() => ConfigFileReader.ReadLevel("hostname: *h\n", "f.yaml")).Errors.Single();

        Assert.Contains("YAML aliases (*name) are not allowed", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100_000)]
    [InlineData(33)]
    public void Nesting_deeper_than_the_schema_is_refused_without_exhausting_the_stack(int depth)
    {
        var text = "listeners: " + new string('[', depth) + new string(']', depth) + "\n";

        var error = Assert.Throws<ConfigFileException>(() => ConfigFileReader.ReadLevel(text, "deep.yaml")).Errors.Single();

        Assert.Contains($"nesting deeper than {ConfigFileReader.MaxDepth} levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_larger_than_any_configuration_is_refused_before_parsing()
    {
        var text = "hostname: " + new string('a', ConfigFileReader.MaxFileBytes) + "\n";

        var error = Assert.Throws<ConfigFileException>(() => ConfigFileReader.ReadLevel(text, "big.yaml")).Errors.Single();

        Assert.Contains("larger than 16 MB", error.Message, StringComparison.Ordinal);
    }
}
