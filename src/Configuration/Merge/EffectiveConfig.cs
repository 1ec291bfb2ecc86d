using Gatehouse.Cluster.V1;

namespace Gatehouse.Configuration.Merge;

/// <summary>
/// A node's configuration after merging cluster and machine level, with the level each
/// entity or settings group came from, keyed by path (<c>listeners[InboundMail]</c>,
/// <c>destination_global</c>, <c>hostname</c>), and the name of the node's group when it has one.
/// Treat <see cref="Config"/> as read-only.
/// </summary>
public sealed record EffectiveConfig(LevelConfig Config, IReadOnlyDictionary<string, ConfigLevel> Provenance, string? Group = null)
{
    public ConfigLevel? SourceOf(string path) => Provenance.TryGetValue(path, out var level) ? level : null;

    /// <summary>How <c>showconfig --effective</c> names a path's level: <c>cluster</c>, <c>group DC1</c>, <c>machine</c>.</summary>
    public string LevelName(string path) => SourceOf(path) switch
    {
        ConfigLevel.Group => $"group {Group}",
        ConfigLevel.Machine => "machine",
        _ => "cluster",
    };
}
