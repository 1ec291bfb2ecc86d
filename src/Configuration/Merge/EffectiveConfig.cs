using Gatehouse.Cluster.V1;

namespace Gatehouse.Configuration.Merge;

/// <summary>
/// A node's configuration after merging cluster and machine level, with the level each
/// entity or settings group came from, keyed by path (<c>listeners[InboundMail]</c>,
/// <c>destination_global</c>, <c>hostname</c>). Treat <see cref="Config"/> as read-only.
/// </summary>
public sealed record EffectiveConfig(LevelConfig Config, IReadOnlyDictionary<string, ConfigLevel> Provenance)
{
    public ConfigLevel? SourceOf(string path) => Provenance.TryGetValue(path, out var level) ? level : null;
}
