using Gatehouse.Cluster.V1;
using Google.Protobuf.Reflection;

namespace Gatehouse.Configuration;

/// <summary>Descriptor facts about <see cref="LevelConfig"/> that merge, validation and diffs share.</summary>
public static class EntityFields
{
    /// <summary>Fields refused at cluster level (CL-1).</summary>
    public static readonly IReadOnlySet<string> MachineOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        "ip_interfaces",
        "hostname",
    };

    /// <summary>Fields refused at machine level: the manager's own settings and what only it holds.</summary>
    public static readonly IReadOnlySet<string> ClusterOnly = new HashSet<string>(StringComparer.Ordinal)
    {
        "manager",
        "signing_keys",
        "dkim_profiles",
    };

    public static IEnumerable<FieldDescriptor> LevelFields => LevelConfig.Descriptor.Fields.InFieldNumberOrder();

    /// <summary>True for a repeated field whose elements are named entities.</summary>
    public static bool IsEntityCollection(FieldDescriptor field) =>
        field.IsRepeated && field.FieldType == FieldType.Message && EntityKeyField(field.MessageType) is not null;

    /// <summary>The field that names an entity of this type, from the <c>entity_key</c> option.</summary>
    public static FieldDescriptor? EntityKeyField(MessageDescriptor type)
    {
        var key = type.GetOptions()?.GetExtension(OptionsExtensions.EntityKey);
        return string.IsNullOrEmpty(key) ? null : type.FindFieldByName(key);
    }

    public static string EntityKey(Google.Protobuf.IMessage entity)
    {
        var keyField = EntityKeyField(entity.Descriptor)
            ?? throw new ArgumentException($"{entity.Descriptor.Name} has no entity key", nameof(entity));
        return (string)keyField.Accessor.GetValue(entity);
    }

    /// <summary>Path of one entity, as used in errors and provenance: <c>listeners[InboundMail]</c>.</summary>
    public static string EntityPath(FieldDescriptor collection, string key) => $"{collection.Name}[{key}]";
}
