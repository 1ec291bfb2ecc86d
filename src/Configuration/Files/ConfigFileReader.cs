using System.Collections;
using System.Globalization;
using Gatehouse.Cluster.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gatehouse.Configuration.Files;

/// <summary>
/// Reads YAML (and so JSON) configuration files into the schema messages. Field names are
/// the schema's snake_case names; enum values may drop their prefix and case
/// (<c>tls: required</c>). Every error is collected with file, line and field.
/// </summary>
public static class ConfigFileReader
{
    public static LevelConfig ReadLevel(string text, string fileName) => Read<LevelConfig>(text, fileName);

    /// <summary>
    /// A whole-configuration file (as saveconfig writes it, with <c>cluster:</c> and
    /// <c>machines:</c>, <c>groups:</c>), or, when it has none of these keys, a cluster-level file.
    /// </summary>
    public static ConfigurationSet ReadSet(string text, string fileName)
    {
        var root = Parse(text, fileName);
        if (root is YamlMappingNode mapping && !HasKey(mapping, "cluster") && !HasKey(mapping, "machines") && !HasKey(mapping, "groups"))
        {
            return new ConfigurationSet { Cluster = Convert<LevelConfig>(root, fileName) };
        }

        var set = Convert<ConfigurationSet>(root, fileName);
        set.Cluster ??= new LevelConfig();
        return set;
    }

    public static T Read<T>(string text, string fileName)
        where T : IMessage<T>, new() => Convert<T>(Parse(text, fileName), fileName);

    private static T Convert<T>(YamlNode? root, string fileName)
        where T : IMessage<T>, new()
    {
        var message = new T();
        if (root is null)
        {
            return message;
        }

        var errors = new List<ConfigFileError>();
        new Walker(fileName, errors).Fill(message, root, "");
        if (errors.Count > 0)
        {
            throw new ConfigFileException(errors);
        }

        return message;
    }

    /// <summary>Larger than any real configuration; past it a file is refused before it is parsed.</summary>
    public const int MaxFileBytes = 16 * 1024 * 1024;

    /// <summary>The schema nests a few levels; past this a file is an attack on the parser's stack.</summary>
    public const int MaxDepth = 32;

    private static YamlNode? Parse(string text, string fileName)
    {
        if (text.Length > MaxFileBytes)
        {
            throw new ConfigFileException(
                [new ConfigFileError(fileName, 1, 1, "", $"the file is larger than {MaxFileBytes / (1024 * 1024)} MB")]);
        }

        CheckShape(text, fileName);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new ConfigFileException(
                [new ConfigFileError(fileName, e.Start.Line, e.Start.Column, "", Describe(e))]);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new ConfigFileException([new ConfigFileError(fileName, 1, 1, "", $"the file is not valid YAML: {e.Message}")]);
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode.Start;
            throw new ConfigFileException(
                [new ConfigFileError(fileName, second.Line, second.Column, "", "only one YAML document is allowed")]);
        }

        var root = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
        return root is YamlScalarNode { Value: null or "" } ? null : root;
    }

    // Walks the event stream (no recursion, no node tree) before the tree is built: anchors and
    // aliases are refused, since a walker that expands them on every use is an alias bomb, and
    // so is nesting deeper than the schema, which would exhaust the stack of a recursive loader.
    private static void CheckShape(string text, string fileName)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                string? problem = current switch
                {
                    YamlDotNet.Core.Events.AnchorAlias => "YAML aliases (*name) are not allowed; write the value out",
                    YamlDotNet.Core.Events.NodeEvent { Anchor.IsEmpty: false } => "YAML anchors (&name) are not allowed; write the value out",
                    YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart when ++depth > MaxDepth =>
                        $"nesting deeper than {MaxDepth} levels is not allowed",
                    YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd => Decrease(ref depth),
                    _ => null,
                };
                if (problem is not null)
                {
                    throw new ConfigFileException([new ConfigFileError(fileName, current.Start.Line, current.Start.Column, "", problem)]);
                }
            }
        }
        catch (YamlException e)
        {
            throw new ConfigFileException([new ConfigFileError(fileName, e.Start.Line, e.Start.Column, "", Describe(e))]);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // YamlDotNet's parser throws these, not YamlException, for some malformed input
            // (an invalid global tag, an event out of place), as fuzzing found.
            var at = parser.Current?.Start;
            throw new ConfigFileException([new ConfigFileError(fileName, at?.Line ?? 1, at?.Column ?? 1, "", $"the file is not valid YAML: {e.Message}")]);
        }
    }

    private static string? Decrease(ref int depth)
    {
        depth--;
        return null;
    }

    private static string Describe(YamlException e) =>
        (e.InnerException?.Message ?? e.Message).Split(Environment.NewLine)[0];

    private static bool HasKey(YamlMappingNode mapping, string key) =>
        mapping.Children.Keys.OfType<YamlScalarNode>().Any(k => k.Value == key);

    private sealed class Walker(string fileName, List<ConfigFileError> errors)
    {
        public void Fill(IMessage message, YamlNode node, string path)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, path, $"expected a mapping of {message.Descriptor.Name} fields");
                return;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                var name = (keyNode as YamlScalarNode)?.Value ?? "";
                var fieldPath = path.Length == 0 ? name : $"{path}.{name}";
                var field = message.Descriptor.FindFieldByName(name)
                    ?? message.Descriptor.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);
                if (field is null)
                {
                    Error(keyNode, fieldPath, $"unknown field (known: {string.Join(", ", message.Descriptor.Fields.InDeclarationOrder().Select(f => f.Name))})");
                    continue;
                }

                if (!seen.Add(field.Name))
                {
                    Error(keyNode, fieldPath, "field given twice");
                    continue;
                }

                if (IsNull(valueNode))
                {
                    continue;
                }

                if (field.IsMap)
                {
                    FillMap(message, field, valueNode, fieldPath);
                }
                else if (field.IsRepeated)
                {
                    FillList(message, field, valueNode, fieldPath);
                }
                else if (field.FieldType == FieldType.Message)
                {
                    var child = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                    Fill(child, valueNode, fieldPath);
                    field.Accessor.SetValue(message, child);
                }
                else if (Scalar(field, valueNode, fieldPath) is { } value)
                {
                    field.Accessor.SetValue(message, value);
                }
            }
        }

        private void FillList(IMessage message, FieldDescriptor field, YamlNode node, string path)
        {
            if (node is not YamlSequenceNode sequence)
            {
                Error(node, path, "expected a list");
                return;
            }

            var list = (IList)field.Accessor.GetValue(message);
            var index = 0;
            foreach (var item in sequence.Children)
            {
                var itemPath = $"{path}[{index++}]";
                if (field.FieldType == FieldType.Message)
                {
                    var child = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                    Fill(child, item, itemPath);
                    list.Add(child);
                }
                else if (Scalar(field, item, itemPath) is { } value)
                {
                    list.Add(value);
                }
            }
        }

        private void FillMap(IMessage message, FieldDescriptor field, YamlNode node, string path)
        {
            if (node is not YamlMappingNode mapping)
            {
                Error(node, path, "expected a mapping");
                return;
            }

            var map = (IDictionary)field.Accessor.GetValue(message);
            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                var entryPath = $"{path}[{key}]";
                if (valueField.FieldType == FieldType.Message)
                {
                    var child = valueField.MessageType.Parser.ParseFrom(ByteString.Empty);
                    if (!IsNull(valueNode))
                    {
                        Fill(child, valueNode, entryPath);
                    }

                    map[key] = child;
                }
                else if (Scalar(valueField, valueNode, entryPath) is { } value)
                {
                    map[key] = value;
                }
            }
        }

        private object? Scalar(FieldDescriptor field, YamlNode node, string path)
        {
            if (node is not YamlScalarNode { Value: { } text })
            {
                Error(node, path, $"expected a {Describe(field)} value");
                return null;
            }

            var invariant = CultureInfo.InvariantCulture;
            object? value = field.FieldType switch
            {
                FieldType.String => text,
                FieldType.Bool => ParseBool(text),
                FieldType.UInt32 => uint.TryParse(text, NumberStyles.None, invariant, out var u32) ? u32 : null,
                FieldType.UInt64 => ulong.TryParse(text, NumberStyles.None, invariant, out var u64) ? u64 : null,
                FieldType.Int32 => int.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var i32) ? i32 : null,
                FieldType.Int64 => long.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var i64) ? i64 : null,
                FieldType.Enum => ParseEnum(field.EnumType, text),
                _ => null,
            };
            if (value is null)
            {
                Error(node, path, $"'{text}' is not a valid {Describe(field)}");
            }

            return value;
        }

        private static object? ParseBool(string text) => text.ToUpperInvariant() switch
        {
            "TRUE" or "YES" or "ON" => true,
            "FALSE" or "NO" or "OFF" => false,
            _ => null,
        };

        private static object? ParseEnum(EnumDescriptor type, string text)
        {
            var wanted = text.Trim().Replace('-', '_').ToUpperInvariant();
            var match = type.Values.FirstOrDefault(v => v.Number != 0 &&
                (v.Name == wanted || v.Name == $"{EnumPrefix(type)}{wanted}"));
            return match is null ? null : Enum.ToObject(type.ClrType, match.Number);
        }

        private static string Describe(FieldDescriptor field) => field.FieldType switch
        {
            FieldType.Enum => $"value (one of {string.Join(", ", EnumChoices(field.EnumType))})",
            FieldType.UInt32 or FieldType.UInt64 => "non-negative integer",
            FieldType.Int32 or FieldType.Int64 => "integer",
            FieldType.Bool => "boolean (true or false)",
            _ => field.FieldType.ToString().ToLowerInvariant(),
        };

        private static bool IsNull(YamlNode node) =>
            node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" };

        private void Error(YamlNode node, string path, string message) =>
            errors.Add(new ConfigFileError(fileName, node.Start.Line, node.Start.Column, path, message));
    }

    /// <summary>The enum's value prefix, e.g. <c>INBOUND_TLS_</c>.</summary>
    public static string EnumPrefix(EnumDescriptor type) =>
        type.Values.First(v => v.Number == 0).Name.Replace("UNSPECIFIED", "", StringComparison.Ordinal);

    /// <summary>How an enum value is written in files: <c>required</c>.</summary>
    public static IEnumerable<string> EnumChoices(EnumDescriptor type) =>
        type.Values.Where(v => v.Number != 0).Select(v => EnumName(type, v.Number));

    public static string EnumName(EnumDescriptor type, int number)
    {
        var value = type.FindValueByNumber(number);
        return value is null ? number.ToString(CultureInfo.InvariantCulture)
            : value.Name[EnumPrefix(type).Length..].ToLowerInvariant();
    }
}
