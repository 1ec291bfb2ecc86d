using System.Collections;
using Gatehouse.Cluster.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Gatehouse.Configuration.Merge;

/// <summary>
/// Cluster level, then the node's group level, then its machine level = effective configuration
/// (CL-1, CL-10): named entities by name (a later level's entity replaces the earlier one in
/// place; new ones follow in level order), settings groups replaced whole by the latest level
/// that sets them, scalars likewise. Pure: the inputs are not changed and the result shares no
/// message with them.
/// </summary>
public static class ConfigMerge
{
    public static EffectiveConfig Merge(LevelConfig cluster, LevelConfig machine) => Merge(cluster, null, machine);

    /// <param name="group">The node's group level and the group's name; null when it is in no group.</param>
    public static EffectiveConfig Merge(LevelConfig cluster, (string Name, LevelConfig Level)? group, LevelConfig machine)
    {
        (LevelConfig Config, ConfigLevel Level)[] levels = group is { } g
            ? [(cluster, ConfigLevel.Cluster), (g.Level, ConfigLevel.Group), (machine, ConfigLevel.Machine)]
            : [(cluster, ConfigLevel.Cluster), (machine, ConfigLevel.Machine)];
        var result = new LevelConfig();
        var provenance = new SortedDictionary<string, ConfigLevel>(StringComparer.Ordinal);
        foreach (var field in EntityFields.LevelFields)
        {
            if (EntityFields.IsEntityCollection(field))
            {
                MergeEntities(field, levels, result, provenance);
            }
            else if (field.FieldType == FieldType.Message && !field.IsRepeated)
            {
                MergeLatest(field, levels, result, provenance, field.Accessor.HasValue,
                    source => Clone((IMessage)field.Accessor.GetValue(source)));
            }
            else if (!field.IsRepeated)
            {
                MergeLatest(field, levels, result, provenance, source => IsSet(field, source), field.Accessor.GetValue);
            }
            else
            {
                throw new NotSupportedException($"no merge rule for {field.Name}");
            }
        }

        return new EffectiveConfig(result, provenance, group?.Name);
    }

    // The first level's entities keep their order, each replaced in place by a later level's entity
    // of the same key; entities new at a level follow in that level's order. Within one level the
    // first of a key counts (the level's own validation refuses the second).
    private static void MergeEntities(
        FieldDescriptor field, (LevelConfig Config, ConfigLevel Level)[] levels, LevelConfig result,
        IDictionary<string, ConfigLevel> provenance)
    {
        var chosen = new Dictionary<string, (IMessage Entity, ConfigLevel Level)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (config, level) in levels)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (IMessage entity in (IList)field.Accessor.GetValue(config))
            {
                var key = EntityFields.EntityKey(entity);
                if (!seen.Add(key))
                {
                    continue;
                }

                if (!chosen.ContainsKey(key))
                {
                    order.Add(key);
                }

                chosen[key] = (entity, level);
            }
        }

        var target = (IList)field.Accessor.GetValue(result);
        foreach (var key in order)
        {
            var (entity, level) = chosen[key];
            target.Add(Clone(entity));
            provenance[EntityFields.EntityPath(field, key)] = level;
        }
    }

    // Settings groups and scalars: the latest level that sets the field gives it whole.
    private static void MergeLatest(
        FieldDescriptor field, (LevelConfig Config, ConfigLevel Level)[] levels, LevelConfig result,
        IDictionary<string, ConfigLevel> provenance, Func<IMessage, bool> isSet, Func<IMessage, object> value)
    {
        foreach (var (config, level) in levels.Reverse())
        {
            if (isSet(config))
            {
                field.Accessor.SetValue(result, value(config));
                provenance[field.Name] = level;
                return;
            }
        }
    }

    private static bool IsSet(FieldDescriptor field, IMessage message) =>
        field.HasPresence ? field.Accessor.HasValue(message) : !IsDefault(field.Accessor.GetValue(message));

    private static bool IsDefault(object value) => value switch
    {
        string text => text.Length == 0,
        bool flag => !flag,
        Enum choice => Convert.ToInt32(choice, System.Globalization.CultureInfo.InvariantCulture) == 0,
        IConvertible number => Convert.ToDecimal(number, System.Globalization.CultureInfo.InvariantCulture) == 0,
        _ => false,
    };

    private static IMessage Clone(IMessage message) => message.Descriptor.Parser.ParseFrom(message.ToByteString());
}
