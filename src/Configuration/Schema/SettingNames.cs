using System.Collections;
using Gatehouse.Cluster.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Gatehouse.Configuration.Schema;

/// <summary>
/// The settings of the configuration schema by their full protobuf names
/// (<c>gatehouse.cluster.v1.HttpsService.client_ca_pem</c>): those this build knows, which a node
/// reports to the manager, and those a level sets, which the manager checks against what each
/// node knows before a commit — so no node receives a setting it would drop.
/// </summary>
public static class SettingNames
{
    /// <summary>Every field reachable from a configuration level in this build.</summary>
    public static IReadOnlyList<string> Known { get; } = Collect(LevelConfig.Descriptor, []).Order(StringComparer.Ordinal).ToList();

    /// <summary>Each field set in <paramref name="level"/>: where (as validation paths read) and its full name.</summary>
    public static IEnumerable<(string Path, string Name)> SetIn(IMessage level, string path = "")
    {
        foreach (var field in level.Descriptor.Fields.InDeclarationOrder())
        {
            var here = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            var value = field.Accessor.GetValue(level);
            switch (value)
            {
                case IMessage child:
                    yield return (here, field.FullName);
                    foreach (var inner in SetIn(child, here))
                    {
                        yield return inner;
                    }

                    break;
                case IList list when list.Count > 0:
                    yield return (here, field.FullName);
                    foreach (var item in list.OfType<IMessage>().Select((m, i) => (m, i)))
                    {
                        foreach (var inner in SetIn(item.m, $"{here}[{item.i}]"))
                        {
                            yield return inner;
                        }
                    }

                    break;
                case IDictionary map when map.Count > 0:
                    yield return (here, field.FullName);
                    break;
                case null or IList or IDictionary:
                    break;
                default:
                    if (!Equals(value, DefaultOf(field)))
                    {
                        yield return (here, field.FullName);
                    }

                    break;
            }
        }
    }

    private static object? DefaultOf(FieldDescriptor field) => field.FieldType switch
    {
        FieldType.String => "",
        FieldType.Bytes => ByteString.Empty,
        FieldType.Bool => false,
        FieldType.Enum => 0,
        FieldType.Double => 0d,
        FieldType.Float => 0f,
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 0L,
        FieldType.UInt64 or FieldType.Fixed64 => 0UL,
        FieldType.UInt32 or FieldType.Fixed32 => 0U,
        _ => 0,
    };

    private static HashSet<string> Collect(MessageDescriptor message, HashSet<string> names)
    {
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            if (names.Add(field.FullName) && field.FieldType == FieldType.Message && field.MessageType.File.Package == LevelConfig.Descriptor.File.Package)
            {
                Collect(field.MessageType, names);
            }
        }

        return names;
    }
}
