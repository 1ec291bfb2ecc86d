using System.Text;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Fuzz.Targets;

/// <summary>A configuration file as <c>loadconfig</c> reads it (YAML or JSON, the whole set).</summary>
internal sealed class YamlConfiguration : FuzzTarget
{
    public override string Name => "yaml-config";

    public override void Run(byte[] input)
    {
        try
        {
            ConfigFileReader.ReadSet(Encoding.UTF8.GetString(input), "fuzz.yaml");
        }
        catch (ConfigFileException)
        {
            // The clear error, with line and column.
        }
    }
}
