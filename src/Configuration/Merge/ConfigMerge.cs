using System.Collections;
using Gatehouse.Cluster.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Gatehouse.Configuration.Merge;

/// <summary>
/// Cluster level + machine level = effective configuration (CL-1). Pure: the inputs are
/// not changed and the result shares no message with them.
/// </summary>
public static class ConfigMerge
{
    public static EffectiveConfig Merge(LevelConfig cluster, LevelConfig machine)
    {
        var result = new LevelConfig();
        var provenance = new SortedDictionary<string, ConfigLevel>(StringComparer.Ordinal);
        foreach (var field in EntityFields.LevelFields)
        {
            if (EntityFields.IsEntityCollection(field))
            {
                MergeEntities(field, cluster, machine, result, provenance);
            }
            else if (field.FieldType == FieldType.Message && !field.IsRepeated)
            {
                MergeGroup(field, cluster, machine, result, provenance);
            }
            else if (!field.IsRepeated)
            {
                MergeScalar(field, cluster, machine, result, provenance);
            }
            else
            {
                throw new NotSupportedException($"no merge rule for {field.Name}");
            }
        }

        return new EffectiveConfig(result, provenance);
    }

    // Cluster entities keep their order, each replaced in place by a machine entity of the
    // same key; machine-only entities follow in machine order.
    private static void MergeEntities(
        FieldDescriptor field, LevelConfig cluster, LevelConfig machine, LevelConfig result,
        IDictionary<string, ConfigLevel> provenance)
    {
        var machineByKey = new Dictionary<string, IMessage>(StringComparer.Ordinal);
        foreach (IMessage entity in (IList)field.Accessor.GetValue(machine))
        {
            machineByKey.TryAdd(EntityFields.EntityKey(entity), entity);
        }

        var target = (IList)field.Accessor.GetValue(result);
        var placed = new HashSet<string>(StringComparer.Ordinal);
        foreach (IMessage entity in (IList)field.Accessor.GetValue(cluster))
        {
            var key = EntityFields.EntityKey(entity);
            if (!placed.Add(key))
            {
                continue;
            }

            var fromMachine = machineByKey.TryGetValue(key, out var replacement);
            target.Add(Clone(fromMachine ? replacement! : entity));
            provenance[EntityFields.EntityPath(field, key)] = fromMachine ? ConfigLevel.Machine : ConfigLevel.Cluster;
        }

        foreach (var (key, entity) in machineByKey)
        {
            if (placed.Add(key))
            {
                target.Add(Clone(entity));
                provenance[EntityFields.EntityPath(field, key)] = ConfigLevel.Machine;
            }
        }
    }

    // Settings groups are replaced whole when the machine level sets them.
    private static void MergeGroup(
        FieldDescriptor field, LevelConfig cluster, LevelConfig machine, LevelConfig result,
        IDictionary<string, ConfigLevel> provenance)
    {
        var (source, level) = field.Accessor.HasValue(machine)
            ? (machine, ConfigLevel.Machine)
            : (cluster, ConfigLevel.Cluster);
        if (!field.Accessor.HasValue(source))
        {
            return;
        }

        field.Accessor.SetValue(result, Clone((IMessage)field.Accessor.GetValue(source)));
        provenance[field.Name] = level;
    }

    private static void MergeScalar(
        FieldDescriptor field, LevelConfig cluster, LevelConfig machine, LevelConfig result,
        IDictionary<string, ConfigLevel> provenance)
    {
        foreach (var (source, level) in new[] { (machine, ConfigLevel.Machine), (cluster, ConfigLevel.Cluster) })
        {
            if (IsSet(field, source))
            {
                field.Accessor.SetValue(result, field.Accessor.GetValue(source));
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
