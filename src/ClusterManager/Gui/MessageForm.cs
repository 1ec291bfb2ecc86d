using System.Globalization;
using System.Net;
using System.Text;
using Gatehouse.Configuration.Files;
using Gatehouse.Configuration.Secrets;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Html;

namespace Gatehouse.ClusterManager.Gui;

/// <summary>
/// Form fields for any part of the configuration, made from the schema: text, numbers,
/// check boxes, choices for enums, one line per item for lists, and a row per element for
/// lists of small records (RAT entries, route hosts, subscriptions). Reading the form back
/// gives the message and, per field, what could not be read.
/// </summary>
internal static class MessageForm
{
    private const int BlankRows = 2;

    /// <param name="choices">Names a field may refer to (certificates, policies…), offered as suggestions.</param>
    public static IHtmlContent Render(IMessage message, IReadOnlyDictionary<string, string> errors, IReadOnlyDictionary<string, IReadOnlyList<string>> choices)
    {
        var html = new StringBuilder();
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var name = field.Name;
            html.Append("<div class=\"field\">");
            html.Append(CultureInfo.InvariantCulture, $"<label for=\"f-{name}\">{Label(name)}</label>");
            html.Append("<div>");
            RenderField(html, field, message, name, choices);
            html.Append("</div>");
            if (errors.TryGetValue(name, out var error))
            {
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"error\" role=\"alert\" data-field=\"{name}\">{Encode(error)}</div>");
            }

            html.Append("</div>");
        }

        return new HtmlString(html.ToString());
    }

    /// <summary>Reads a message of <paramref name="type"/>; a secret left empty keeps its value from <paramref name="existing"/>.</summary>
    public static IMessage Read(MessageDescriptor type, IFormCollection form, IMessage? existing, Dictionary<string, string> errors)
    {
        var message = type.Parser.ParseFrom(ByteString.Empty);
        ReadInto(message, form, "", existing, errors);
        return message;
    }

    private static readonly Dictionary<string, string> Acronyms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["tls"] = "TLS", ["ip"] = "IP", ["dns"] = "DNS", ["ldap"] = "LDAP", ["smtp"] = "SMTP", ["https"] = "HTTPS",
        ["pem"] = "PEM", ["url"] = "URL", ["dn"] = "DN", ["ca"] = "CA", ["cas"] = "CAs",
    };

    /// <summary><c>max_recipients_per_message</c> → "Max recipients per message"; <c>DestinationControl</c> → "Destination control".</summary>
    public static string Label(string name)
    {
        var words = System.Text.RegularExpressions.Regex.Replace(name, "(?<=[a-z])(?=[A-Z])", "_").Split('_', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => Acronyms.GetValueOrDefault(w) ?? w.ToLowerInvariant()).ToList();
        words[0] = char.ToUpperInvariant(words[0][0]) + words[0][1..];
        return string.Join(' ', words);
    }

    private static void RenderField(StringBuilder html, FieldDescriptor field, IMessage message, string path, IReadOnlyDictionary<string, IReadOnlyList<string>> choices)
    {
        var offered = choices.GetValueOrDefault(field.Name) ?? [];
        var value = field.Accessor.GetValue(message);
        var id = $"f-{path}";
        if (field.IsRepeated && field.FieldType == FieldType.Message)
        {
            RenderRows(html, field, (System.Collections.IList)value, path, choices);
            return;
        }

        if (field.IsRepeated && field.FieldType == FieldType.Enum)
        {
            var chosen = ((System.Collections.IList)value).Cast<object>().Select(Convert.ToInt32).ToHashSet();
            foreach (var choice in field.EnumType.Values.Where(v => v.Number != 0))
            {
                var text = ConfigFileReader.EnumName(field.EnumType, choice.Number);
                html.Append(CultureInfo.InvariantCulture,
                    $"<label class=\"choice\"><input type=\"checkbox\" name=\"{path}\" value=\"{text}\" {(chosen.Contains(choice.Number) ? "checked" : "")} /> {text}</label>");
            }

            return;
        }

        if (field.IsRepeated)
        {
            var lines = string.Join("\n", ((System.Collections.IList)value).Cast<object>().Select(v => v.ToString()));
            html.Append(CultureInfo.InvariantCulture, $"<textarea id=\"{id}\" name=\"{path}\" placeholder=\"one per line\">{Encode(lines)}</textarea>");
            if (offered.Count > 0)
            {
                html.Append(CultureInfo.InvariantCulture, $"<div class=\"hint\">In order, one per line, from: {Encode(string.Join(", ", offered))}</div>");
            }

            return;
        }

        switch (field.FieldType)
        {
            case FieldType.Message:
                html.Append("<fieldset>");
                foreach (var sub in field.MessageType.Fields.InFieldNumberOrder())
                {
                    var nested = (IMessage?)value ?? field.MessageType.Parser.ParseFrom(ByteString.Empty);
                    html.Append(CultureInfo.InvariantCulture, $"<div class=\"field\"><label for=\"f-{path}.{sub.Name}\">{Label(sub.Name)}</label><div>");
                    RenderField(html, sub, nested, $"{path}.{sub.Name}", choices);
                    html.Append("</div></div>");
                }

                html.Append("</fieldset>");
                break;
            case FieldType.Bool:
                html.Append(CultureInfo.InvariantCulture, $"<input type=\"checkbox\" id=\"{id}\" name=\"{path}\" value=\"true\" {((bool)value ? "checked" : "")} />");
                break;
            case FieldType.Enum:
                html.Append(CultureInfo.InvariantCulture, $"<select id=\"{id}\" name=\"{path}\"><option value=\"\">(not set)</option>");
                foreach (var choice in field.EnumType.Values.Where(v => v.Number != 0))
                {
                    var text = ConfigFileReader.EnumName(field.EnumType, choice.Number);
                    html.Append(CultureInfo.InvariantCulture, $"<option value=\"{text}\" {(Convert.ToInt32(value, CultureInfo.InvariantCulture) == choice.Number ? "selected" : "")}>{text}</option>");
                }

                html.Append("</select>");
                break;
            case FieldType.UInt32 or FieldType.UInt64 or FieldType.Int32 or FieldType.Int64:
                html.Append(CultureInfo.InvariantCulture, $"<input type=\"number\" min=\"0\" id=\"{id}\" name=\"{path}\" value=\"{value}\" />");
                break;
            default:
                var text2 = value?.ToString() ?? "";
                if (SecretFields.IsSecret(field))
                {
                    html.Append(CultureInfo.InvariantCulture,
                        $"<input type=\"password\" id=\"{id}\" name=\"{path}\" autocomplete=\"new-password\" placeholder=\"{(text2.Length > 0 ? "(unchanged)" : "")}\" />");
                }
                else
                {
                    var list = offered.Count > 0 ? $" list=\"dl-{id}\"" : "";
                    html.Append(CultureInfo.InvariantCulture, $"<input type=\"text\" id=\"{id}\" name=\"{path}\" value=\"{Encode(text2)}\"{list} />");
                    if (offered.Count > 0)
                    {
                        html.Append(CultureInfo.InvariantCulture, $"<datalist id=\"dl-{id}\">{string.Concat(offered.Select(o => $"<option value=\"{Encode(o)}\"></option>"))}</datalist>");
                    }
                }

                break;
        }
    }

    private static void RenderRows(StringBuilder html, FieldDescriptor field, System.Collections.IList rows, string path, IReadOnlyDictionary<string, IReadOnlyList<string>> choices)
    {
        var columns = field.MessageType.Fields.InFieldNumberOrder();
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"scroll\"><table data-rows=\"{path}\"><thead><tr>");
        foreach (var column in columns)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>{Label(column.Name)}</th>");
        }

        html.Append("</tr></thead><tbody>");
        var blank = field.MessageType.Parser.ParseFrom(ByteString.Empty);
        var all = rows.Cast<IMessage>().Concat(Enumerable.Repeat(blank, BlankRows)).ToList();
        for (var i = 0; i < all.Count; i++)
        {
            html.Append("<tr>");
            foreach (var column in columns)
            {
                html.Append("<td>");
                RenderField(html, column, all[i], $"{path}[{i}].{column.Name}", choices);
                html.Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table></div><div class=\"hint\">Leave a row empty to remove it.</div>");
    }

    private static bool ReadInto(IMessage message, IFormCollection form, string prefix, IMessage? existing, Dictionary<string, string> errors)
    {
        var any = false;
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            var path = prefix + field.Name;
            if (field.IsRepeated && field.FieldType == FieldType.Message)
            {
                var list = (System.Collections.IList)field.Accessor.GetValue(message);
                for (var i = 0; form.Keys.Any(k => k.StartsWith($"{path}[{i}].", StringComparison.Ordinal)); i++)
                {
                    var row = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                    if (ReadInto(row, form, $"{path}[{i}].", null, errors))
                    {
                        list.Add(row);
                        any = true;
                    }
                }

                continue;
            }

            if (field.FieldType == FieldType.Message)
            {
                var nested = field.MessageType.Parser.ParseFrom(ByteString.Empty);
                var existingNested = existing is null ? null : (IMessage?)field.Accessor.GetValue(existing);
                if (ReadInto(nested, form, path + ".", existingNested, errors))
                {
                    field.Accessor.SetValue(message, nested);
                    any = true;
                }

                continue;
            }

            var values = form[path];
            if (field.IsRepeated)
            {
                var list = (System.Collections.IList)field.Accessor.GetValue(message);
                var items = field.FieldType == FieldType.Enum ? values.Select(v => v ?? "")
                    : values.SelectMany(v => (v ?? "").Split('\n')).Select(v => v.Trim()).Where(v => v.Length > 0);
                foreach (var item in items)
                {
                    if (Parse(field, item, path, errors) is { } parsed)
                    {
                        list.Add(parsed);
                        any = true;
                    }
                }

                continue;
            }

            var text = values.ToString().Trim();
            if (text.Length == 0 && SecretFields.IsSecret(field) && existing is not null)
            {
                text = (string)field.Accessor.GetValue(existing);
            }

            if (text.Length > 0 && Parse(field, text, path, errors) is { } value)
            {
                field.Accessor.SetValue(message, value);
                any = true;
            }
        }

        return any;
    }

    private static object? Parse(FieldDescriptor field, string text, string path, Dictionary<string, string> errors)
    {
        object? value = field.FieldType switch
        {
            FieldType.Bool => text == "true",
            FieldType.UInt32 => uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : null,
            FieldType.UInt64 => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ul) ? ul : null,
            FieldType.Int32 => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) ? i : null,
            FieldType.Int64 => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l : null,
            FieldType.Enum => field.EnumType.Values.FirstOrDefault(v => v.Number != 0 && ConfigFileReader.EnumName(field.EnumType, v.Number) == text) is { } choice
                ? Enum.ToObject(field.EnumType.ClrType, choice.Number) : null,
            _ => text,
        };
        if (value is null)
        {
            var top = path.Split('[', '.')[0];
            errors.TryAdd(top, field.FieldType == FieldType.Enum
                ? $"'{text}' is not one of {string.Join(", ", ConfigFileReader.EnumChoices(field.EnumType))}"
                : $"'{text}' is not a whole number");
        }

        return value;
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
