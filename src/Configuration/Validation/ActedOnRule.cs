using System.Collections;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Refuses any value in a field marked <c>(not_acted_on)</c> in the schema, wherever it is, so
/// that no setting is ever accepted and silently ignored: an admin who sets it is told at
/// commit, not surprised by mail later. A mark leaves the schema in the change that makes the
/// node act on the field.
/// </summary>
public sealed class ActedOnRule(Func<FieldDescriptor, string?>? notActedOn = null) : IConfigRule
{
    private readonly Func<FieldDescriptor, string?> marked = notActedOn ?? NotActedOn;

    public void Check(EffectiveConfig config, ValidationErrors errors) => Walk(config.Config, "", errors);

    public static string? NotActedOn(FieldDescriptor field) =>
        field.GetOptions()?.GetExtension(OptionsExtensions.NotActedOn) is { Length: > 0 } why ? why : null;

    private void Walk(IMessage message, string path, ValidationErrors errors)
    {
        foreach (var field in message.Descriptor.Fields.InDeclarationOrder())
        {
            var here = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
            var value = field.Accessor.GetValue(message);
            if (marked(field) is { } why && IsSet(value))
            {
                errors.Add(here, $"not supported yet ({why}); leave it unset");
                continue;
            }

            switch (value)
            {
                case IList list:
                    var index = 0;
                    foreach (var child in list.OfType<IMessage>())
                    {
                        var key = EntityFields.EntityKeyField(child.Descriptor) is null
                            ? index.ToString(System.Globalization.CultureInfo.InvariantCulture) : EntityFields.EntityKey(child);
                        Walk(child, $"{here}[{key}]", errors);
                        index++;
                    }

                    break;
                case IMessage child:
                    Walk(child, here, errors);
                    break;
            }
        }
    }

    private static bool IsSet(object? value) => value switch
    {
        null => false,
        string text => text.Length > 0,
        bool flag => flag,
        IList list => list.Count > 0,
        IDictionary map => map.Count > 0,
        Enum choice => Convert.ToInt32(choice, System.Globalization.CultureInfo.InvariantCulture) != 0,
        IConvertible number => Convert.ToDouble(number, System.Globalization.CultureInfo.InvariantCulture) != 0,
        _ => true,
    };
}
