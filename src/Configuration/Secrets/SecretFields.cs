using System.Collections;
using Gatehouse.Cluster.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Gatehouse.Configuration.Secrets;

/// <summary>
/// Finds the fields marked <c>(secret) = true</c> anywhere in a configuration message and
/// rewrites their values: to encrypt at rest, decrypt for a node, or mask for display.
/// </summary>
public static class SecretFields
{
    /// <summary>The value written in place of a secret when keys are masked.</summary>
    public const string Mask = "*****";

    /// <summary>Returns a deep copy whose non-empty secret values are replaced by <paramref name="transform"/>.</summary>
    public static T Transform<T>(T message, Func<string, string> transform)
        where T : IMessage<T> => Transform(message, "", (_, value) => transform(value));

    /// <summary>
    /// Like <see cref="Transform{T}(T, Func{string, string})"/>, telling the transform where each
    /// value is: <c>PREFIX.certificates[demo].private_key_pem</c> — entities by their key, map
    /// entries by theirs, so the path of a value does not change when other entries do.
    /// </summary>
    public static T Transform<T>(T message, string prefix, Func<string, string, string> transform)
        where T : IMessage<T>
    {
        var copy = message.Clone();
        Walk(copy, prefix, transform);
        return copy;
    }

    public static bool IsSecret(FieldDescriptor field) =>
        field.FieldType == FieldType.String && (field.GetOptions()?.GetExtension(OptionsExtensions.Secret) ?? false);

    private static void Walk(IMessage message, string path, Func<string, string, string> transform)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var here = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            var value = field.Accessor.GetValue(message);
            switch (value)
            {
                case string text when text.Length > 0 && IsSecret(field):
                    field.Accessor.SetValue(message, transform(here, text));
                    break;
                case IDictionary map:
                    foreach (DictionaryEntry entry in map)
                    {
                        if (entry.Value is IMessage child)
                        {
                            Walk(child, $"{here}[{entry.Key}]", transform);
                        }
                    }

                    break;
                case IList list:
                    var index = 0;
                    foreach (var child in list.OfType<IMessage>())
                    {
                        var key = EntityFields.EntityKeyField(child.Descriptor) is null ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : EntityFields.EntityKey(child);
                        Walk(child, $"{here}[{key}]", transform);
                        index++;
                    }

                    break;
                case IMessage child:
                    Walk(child, here, transform);
                    break;
            }
        }
    }
}
