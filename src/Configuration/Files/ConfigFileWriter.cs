using System.Collections;
using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Gatehouse.Configuration.Files;

/// <summary>
/// Writes schema messages as YAML that <see cref="ConfigFileReader"/> reads back. Fields at
/// their default value are left out. An optional annotation adds a comment after an
/// entity or settings group, e.g. the level it came from.
/// </summary>
public static class ConfigFileWriter
{
    /// <summary>Returns a comment for the value at a path (<c>listeners[In]</c>, <c>system</c>), or null.</summary>
    public delegate string? Annotate(string path);

    public static string Write(IMessage message, Annotate? annotate = null)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(text);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        new Walker(emitter, annotate ?? (_ => null)).Message(message, "");
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private sealed class Walker(IEmitter emitter, Annotate annotate)
    {
        public void Message(IMessage message, string path)
        {
            emitter.Emit(new MappingStart());
            foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
            {
                var value = field.Accessor.GetValue(message);
                if (IsEmpty(field, message, value))
                {
                    continue;
                }

                var fieldPath = path.Length == 0 ? field.Name : $"{path}.{field.Name}";
                Key(field.Name);
                if (field.IsMap)
                {
                    Map(field, (IDictionary)value, fieldPath);
                }
                else if (field.IsRepeated)
                {
                    List(field, (IList)value, fieldPath);
                }
                else if (field.FieldType == FieldType.Message)
                {
                    Comment(fieldPath);
                    Message((IMessage)value, fieldPath);
                }
                else
                {
                    Scalar(field, value);
                }
            }

            emitter.Emit(new MappingEnd());
        }

        private void List(FieldDescriptor field, IList items, string path)
        {
            emitter.Emit(new SequenceStart(null, null, isImplicit: true, SequenceStyle.Block));
            foreach (var item in items)
            {
                if (item is IMessage entity)
                {
                    var key = EntityFields.EntityKeyField(entity.Descriptor);
                    var itemPath = key is null ? path : $"{path}[{key.Accessor.GetValue(entity)}]";
                    Comment(itemPath);
                    Message(entity, itemPath);
                }
                else
                {
                    Scalar(field, item);
                }
            }

            emitter.Emit(new SequenceEnd());
        }

        private void Map(FieldDescriptor field, IDictionary entries, string path)
        {
            var valueField = field.MessageType.FindFieldByNumber(2);
            emitter.Emit(new MappingStart());
            foreach (DictionaryEntry entry in entries)
            {
                Key((string)entry.Key);
                if (entry.Value is IMessage child)
                {
                    Message(child, $"{path}[{entry.Key}]");
                }
                else
                {
                    Scalar(valueField, entry.Value!);
                }
            }

            emitter.Emit(new MappingEnd());
        }

        private void Comment(string path)
        {
            if (annotate(path) is { } comment)
            {
                emitter.Emit(new YamlDotNet.Core.Events.Comment(comment, isInline: false));
            }
        }

        private void Key(string name) => emitter.Emit(new Scalar(name));

        private void Scalar(FieldDescriptor field, object value)
        {
            switch (value)
            {
                case string text:
                    var style = text.Contains('\n', StringComparison.Ordinal) ? ScalarStyle.Literal : ScalarStyle.Any;
                    emitter.Emit(new Scalar(null, null, text, style, isPlainImplicit: true, isQuotedImplicit: true));
                    break;
                case bool flag:
                    emitter.Emit(new Scalar(flag ? "true" : "false"));
                    break;
                case Enum choice:
                    emitter.Emit(new Scalar(ConfigFileReader.EnumName(field.EnumType, System.Convert.ToInt32(choice, CultureInfo.InvariantCulture))));
                    break;
                default:
                    emitter.Emit(new Scalar(System.Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""));
                    break;
            }
        }

        private static bool IsEmpty(FieldDescriptor field, IMessage message, object value) => value switch
        {
            IDictionary map => map.Count == 0,
            IList list => list.Count == 0,
            IMessage => !field.Accessor.HasValue(message),
            string text => text.Length == 0,
            bool flag => !flag,
            Enum choice => System.Convert.ToInt32(choice, CultureInfo.InvariantCulture) == 0,
            _ => System.Convert.ToDecimal(value, CultureInfo.InvariantCulture) == 0,
        };
    }
}
