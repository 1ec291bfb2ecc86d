using Gatehouse.Cluster.V1;

namespace Gatehouse.Configuration.Dkim;

/// <summary>Which DKIM profile signs mail of a domain.</summary>
public static class DkimProfiles
{
    /// <summary>The profile of <paramref name="domain"/> itself, else of its nearest parent that has one.</summary>
    public static DkimProfile? For(LevelConfig config, string domain) =>
        config.DkimProfiles
            .Where(p => domain.Equals(p.Domain, StringComparison.OrdinalIgnoreCase) || domain.EndsWith("." + p.Domain, StringComparison.OrdinalIgnoreCase))
            .MaxBy(p => p.Domain.Length);
}
