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
        where T : IMessage<T>
    {
        var copy = message.Clone();
        Walk(copy, transform);
        return copy;
    }

    public static bool IsSecret(FieldDescriptor field) =>
        field.FieldType == FieldType.String && (field.GetOptions()?.GetExtension(OptionsExtensions.Secret) ?? false);

    private static void Walk(IMessage message, Func<string, string> transform)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var value = field.Accessor.GetValue(message);
            switch (value)
            {
                case string text when text.Length > 0 && IsSecret(field):
                    field.Accessor.SetValue(message, transform(text));
                    break;
                case IDictionary map:
                    foreach (var child in map.Values.OfType<IMessage>())
                    {
                        Walk(child, transform);
                    }

                    break;
                case IList list:
                    foreach (var child in list.OfType<IMessage>())
                    {
                        Walk(child, transform);
                    }

                    break;
                case IMessage child:
                    Walk(child, transform);
                    break;
            }
        }
    }
}
