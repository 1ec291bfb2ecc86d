using System.Collections;
using Gatehouse.Cluster.V1;
using Google.Protobuf;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Rules on one level before merging: every entity has a key, no key appears twice, and
/// machine-only settings are not set at cluster level (CL-1).
/// </summary>
public static class LevelShapeRule
{
    public static void Check(LevelConfig level, ConfigLevel which, ValidationErrors errors)
    {
        foreach (var field in EntityFields.LevelFields)
        {
            if (which == ConfigLevel.Cluster && EntityFields.MachineOnly.Contains(field.Name) && IsSet(field.Accessor.GetValue(level)))
            {
                errors.Add(field.Name, "is a machine-level setting; set it with --machine NAME");
            }

            if (!EntityFields.IsEntityCollection(field))
            {
                continue;
            }

            var keyName = EntityFields.EntityKeyField(field.MessageType)!.Name;
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var index = 0;
            foreach (IMessage entity in (IList)field.Accessor.GetValue(level))
            {
                var key = EntityFields.EntityKey(entity);
                if (key.Trim().Length == 0)
                {
                    errors.Add($"{field.Name}[{index}].{keyName}", "is required");
                }
                else if (!seen.Add(key))
                {
                    errors.Add(EntityFields.EntityPath(field, key), $"{keyName} '{key}' is used twice");
                }

                index++;
            }
        }
    }

    private static bool IsSet(object value) => value switch
    {
        string text => text.Length > 0,
        IList list => list.Count > 0,
        _ => value is not null,
    };
}
