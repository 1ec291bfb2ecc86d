using System.Collections;
using Gatehouse.Cluster.V1;
using Google.Protobuf;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Rules on one level before merging: every entity has a key made of safe characters, no key
/// appears twice, and machine-only settings are not set at cluster level (CL-1).
/// </summary>
public static partial class LevelShapeRule
{
    /// <summary>
    /// Names, domains and addresses need no more; keys show up in paths, logs, CLI tables and
    /// HTML, so quotes, markup and control characters have no place in them.
    /// </summary>
    public const string KeyRule = "1-128 letters, digits and . _ - + @";

    public static void Check(LevelConfig level, ConfigLevel which, ValidationErrors errors)
    {
        foreach (var field in EntityFields.LevelFields)
        {
            if (which != ConfigLevel.Machine && EntityFields.MachineOnly.Contains(field.Name) && IsSet(field.Accessor.GetValue(level)))
            {
                errors.Add(field.Name, "is a machine-level setting; set it with --machine NAME");
            }

            if (which != ConfigLevel.Cluster && EntityFields.ClusterOnly.Contains(field.Name) && IsSet(field.Accessor.GetValue(level)))
            {
                errors.Add(field.Name, $"is a cluster-level setting; set it without --{(which == ConfigLevel.Group ? "group" : "machine")}");
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
                else if (!IsSafeKey(key))
                {
                    errors.Add($"{field.Name}[{index}].{keyName}", $"'{Printable(key)}' is not allowed: use {KeyRule}");
                }
                else if (!seen.Add(key))
                {
                    errors.Add(EntityFields.EntityPath(field, key), $"{keyName} '{key}' is used twice");
                }

                index++;
            }
        }
    }

    public static bool IsSafeKey(string key) => SafeKey().IsMatch(key);

    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z0-9._+@-]{1,128}\z")]
    private static partial System.Text.RegularExpressions.Regex SafeKey();

    /// <summary>A refused value as it can be shown: control characters as \uNNNN, at most 128 characters.</summary>
    public static string Printable(string key) =>
        string.Concat(key.Take(128).Select(c => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString()));

    private static bool IsSet(object value) => value switch
    {
        string text => text.Length > 0,
        IList list => list.Count > 0,
        _ => value is not null,
    };
}
