using Gatehouse.Cluster.V1;
using Gatehouse.Node.Applying;
using Google.Protobuf;

namespace Gatehouse.Node.Tests.Applying;

/// <summary>A snapshot from a newer manager with settings this build does not know is refused, not run without them.</summary>
public sealed class UnknownSettingsTests : IDisposable
{
    // Field 999, varint 1: a setting of some later version.
    private static readonly byte[] LaterField = [0xB8, 0x3E, 0x01];
    private readonly NodeFixture node = new();

    [Fact]
    public void A_snapshot_whose_configuration_has_a_field_this_build_does_not_know_is_refused_naming_the_build()
    {
        var cluster = LevelConfig.Parser.ParseFrom([.. new LevelConfig { Hostname = "mx.example.test" }.ToByteArray(), .. LaterField]);
        var snapshot = new Snapshot { Version = 7, Cluster = cluster };

        var errors = node.Applier.Apply(snapshot);

        var refusal = Assert.Single(errors);
        Assert.StartsWith("version 7 has settings this node (gatehouse-node 0.3.0", refusal.Message, StringComparison.Ordinal);
        Assert.NotEqual(7, node.Current.Snapshot?.Version);
    }

    [Fact]
    public void A_snapshot_of_known_fields_only_passes_the_check()
    {
        Assert.Null(UnknownSettings.Problem(new Snapshot { Version = 7, Cluster = new LevelConfig { Hostname = "mx.example.test" } }, "test"));
        Assert.NotNull(UnknownSettings.Problem(Snapshot.Parser.ParseFrom([.. new Snapshot { Version = 7 }.ToByteArray(), .. LaterField]), "test"));
    }

    public void Dispose() => node.Dispose();
}
