using System.Collections;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration;
using Google.Protobuf;

namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>
/// What differs between two whole configurations, one line per entity, group or setting:
/// <c>+ cluster listeners[InboundMail]</c>, <c>~ machine node1 destination_global</c>.
/// </summary>
internal static class ConfigDiff
{
    public static IReadOnlyList<string> Describe(ConfigurationSet before, ConfigurationSet after)
    {
        var lines = new List<string>();
        Level("cluster", before.Cluster ?? new LevelConfig(), after.Cluster ?? new LevelConfig(), lines);
        foreach (var name in before.Machines.Keys.Union(after.Machines.Keys).Order(StringComparer.Ordinal))
        {
            var old = before.Machines.GetValueOrDefault(name);
            var now = after.Machines.GetValueOrDefault(name);
            if (old is null && now is not null && now.CalculateSize() > 0)
            {
                lines.Add($"+ machine {name} (new machine level)");
            }
            else if (now is null && old is not null && old.CalculateSize() > 0)
            {
                lines.Add($"- machine {name} (machine level deleted)");
                continue;
            }

            Level($"machine {name}", old ?? new LevelConfig(), now ?? new LevelConfig(), lines);
        }

        foreach (var name in before.Groups.Keys.Union(after.Groups.Keys).Order(StringComparer.Ordinal))
        {
            var old = before.Groups.GetValueOrDefault(name);
            var now = after.Groups.GetValueOrDefault(name);
            if (old is null || now is null)
            {
                lines.Add(old is null ? $"+ group {name} (new group)" : $"- group {name} (group and its level deleted)");
            }

            foreach (var member in (now?.Members ?? []).Except(old?.Members ?? []))
            {
                lines.Add($"+ group {name} member {member}");
            }

            foreach (var member in (old?.Members ?? []).Except(now?.Members ?? []))
            {
                lines.Add($"- group {name} member {member}");
            }

            if (now is not null)
            {
                Level($"group {name}", old?.Config ?? new LevelConfig(), now.Config ?? new LevelConfig(), lines);
            }
        }

        return lines;
    }

    private static void Level(string level, LevelConfig before, LevelConfig after, List<string> lines)
    {
        foreach (var field in EntityFields.LevelFields)
        {
            if (EntityFields.IsEntityCollection(field))
            {
                var old = Keyed((IList)field.Accessor.GetValue(before));
                var now = Keyed((IList)field.Accessor.GetValue(after));
                foreach (var key in old.Keys.Union(now.Keys).Order(StringComparer.Ordinal))
                {
                    var sign = (old.GetValueOrDefault(key), now.GetValueOrDefault(key)) switch
                    {
                        (null, _) => "+",
                        (_, null) => "-",
                        var (a, b) => a.Equals(b) ? null : "~",
                    };
                    if (sign is not null)
                    {
                        lines.Add($"{sign} {level} {EntityFields.EntityPath(field, key)}");
                    }
                }
            }
            else
            {
                var old = field.Accessor.GetValue(before);
                var now = field.Accessor.GetValue(after);
                if (!Equals(old, now))
                {
                    var sign = old is null || old is "" ? "+" : now is null || now is "" ? "-" : "~";
                    lines.Add($"{sign} {level} {field.Name}");
                }
            }
        }
    }

    private static Dictionary<string, IMessage> Keyed(IList entities)
    {
        var keyed = new Dictionary<string, IMessage>(StringComparer.Ordinal);
        foreach (IMessage entity in entities)
        {
            keyed.TryAdd(EntityFields.EntityKey(entity), entity);
        }

        return keyed;
    }
}
