using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.Configuration;
using Gatehouse.Configuration.Merge;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>An entity as a level shows it: where its value comes from, whether it is set at this level
/// (<c>Here</c>) and whether a level above has one to fall back to (<c>InCluster</c>).</summary>
internal sealed record EntityRow(string Key, string Summary, string Level, bool InCluster, bool Here);

/// <summary>
/// One settings page made from the schema: a list of named entities (listeners, policies,
/// destination controls…) and/or a group of global settings, at the cluster level or one
/// machine's level, with where each value comes from.
/// </summary>
internal sealed class SectionModel : GuiPage
{
    public GuiSection Section { get; private set; } = null!;

    public bool Collection { get; private set; }

    public bool MachineOnly => EntityFields.MachineOnly.Contains(Section.Field);

    public bool ClusterOnly => EntityFields.ClusterOnly.Contains(Section.Field);

    public string EntityName { get; private set; } = "";

    public string KeyLabel => Collection ? MessageForm.Label(EntityFields.EntityKeyField(Field.MessageType)!.Name) : "";

    public IReadOnlyList<EntityRow> Rows { get; private set; } = [];

    public IMessage? Editing { get; private set; }

    public string? EditingKey { get; private set; }

    public Dictionary<string, string> FieldErrors { get; } = [];

    public IMessage? Global { get; private set; }

    public string GlobalTitle => Section.GlobalTitle ?? Section.Title;

    public string GlobalLevel { get; private set; } = "cluster";

    /// <summary>The settings group is set at the level edited (so it can go back to the inherited value).</summary>
    public bool GlobalHere { get; private set; }

    public Dictionary<string, string> GlobalErrors { get; } = [];

    /// <summary>Field name → the names it may refer to, from the configuration this level runs.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Choices { get; private set; } = new Dictionary<string, IReadOnlyList<string>>();

    private FieldDescriptor Field => LevelConfig.Descriptor.FindFieldByName(Section.Field);

    private FieldDescriptor? GlobalField =>
        Section.GlobalField is { } name ? LevelConfig.Descriptor.FindFieldByName(name) : Collection ? null : Field;

    public async Task<IActionResult> OnGetAsync(string section, string? edit, int? add)
    {
        if (!Use(section))
        {
            return NotFound();
        }

        await LoadAsync();
        if (add is not null)
        {
            Editing = Field.MessageType.Parser.ParseFrom(ByteString.Empty);
        }
        else if (edit is not null)
        {
            EditingKey = edit;
            Editing = Entities(await EffectiveAsync()).FirstOrDefault(e => EntityFields.EntityKey(e) == edit);
            if (Editing is null)
            {
                Problem = $"There is no {EntityName} '{edit}' at this level.";
                EditingKey = null;
            }
        }

        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(string section, string? originalKey)
    {
        if (!Use(section))
        {
            return NotFound();
        }

        var existing = originalKey is null ? null : Entities(await EffectiveAsync()).FirstOrDefault(e => EntityFields.EntityKey(e) == originalKey);
        var entity = MessageForm.Read(Field.MessageType, Request.Form, existing, FieldErrors);
        var key = EntityFields.EntityKey(entity);
        var keyField = EntityFields.EntityKeyField(Field.MessageType)!.Name;
        if (key.Length == 0)
        {
            FieldErrors.TryAdd(keyField, $"the {MessageForm.Label(keyField).ToLowerInvariant()} is required");
        }

        if (FieldErrors.Count == 0)
        {
            var path = EntityFields.EntityPath(Field, key);
            var errors = await Configuration.EditLevelCheckedAsync(
                Target,
                level =>
                {
                    var list = (System.Collections.IList)Field.Accessor.GetValue(level);
                    foreach (var old in list.Cast<IMessage>().Where(e => EntityFields.EntityKey(e) == key || EntityFields.EntityKey(e) == originalKey).ToList())
                    {
                        list.Remove(old);
                    }

                    list.Add(entity);
                    return level;
                },
                path, Actor, $"{(existing is null ? "add" : "edit")} {Field.Name}[{key}] at {LevelName} level");
            foreach (var error in errors)
            {
                var rest = error.Path.Length > path.Length ? error.Path[(path.Length + 1)..] : "";
                FieldErrors.TryAdd(rest.Length == 0 ? "" : rest.Split('[', '.')[0], error.Message);
            }

            if (errors.Count == 0)
            {
                Notice = $"{EntityName} {key} staged at the {LevelName} level; commit to apply it.";
                return RedirectToPage(new { section });
            }
        }

        Problem = FieldErrors.GetValueOrDefault("") ?? "Not saved: correct the fields marked below. Nothing was changed.";
        await LoadAsync();
        Editing = entity;
        EditingKey = originalKey;
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string section, string key)
    {
        if (!Use(section))
        {
            return NotFound();
        }

        var path = EntityFields.EntityPath(Field, key);
        return await ChangeAsync(
            async () =>
            {
                await Configuration.EditLevelAsync(Target, level =>
                {
                    var list = (System.Collections.IList)Field.Accessor.GetValue(level);
                    var found = list.Cast<IMessage>().FirstOrDefault(e => EntityFields.EntityKey(e) == key)
                        ?? throw new ChangeRejectedException($"{EntityName} '{key}' is not set at the {LevelName} level");
                    list.Remove(found);
                    return level;
                }, Actor, $"delete {path} at {LevelName} level");
                return Overriding
                    ? $"{EntityName} {key} now uses the {Inherited(await Configuration.ReadStagedAsync()).LevelName(path)} value (staged)."
                    : $"{EntityName} {key} deleted (staged).";
            });
    }

    public async Task<IActionResult> OnPostSaveGlobalAsync(string section)
    {
        if (!Use(section) || GlobalField is not { } field)
        {
            return NotFound();
        }

        var current = (IMessage?)field.Accessor.GetValue((await EffectiveAsync()).Config);
        var group = MessageForm.Read(field.MessageType, Request.Form, current, GlobalErrors);
        if (GlobalErrors.Count == 0)
        {
            var errors = await Configuration.EditLevelCheckedAsync(Target, level =>
            {
                field.Accessor.SetValue(level, group);
                return level;
            }, field.Name, Actor, $"edit {field.Name} at {LevelName} level");
            foreach (var error in errors)
            {
                var rest = error.Path.Length > field.Name.Length ? error.Path[(field.Name.Length + 1)..] : "";
                GlobalErrors.TryAdd(rest.Split('[', '.')[0], error.Message);
            }

            if (errors.Count == 0)
            {
                Notice = $"{GlobalTitle} staged at the {LevelName} level; commit to apply them.";
                return RedirectToPage(new { section });
            }
        }

        Problem = "Not saved: correct the fields marked below. Nothing was changed.";
        await LoadAsync();
        Global = group;
        return Page();
    }

    public async Task<IActionResult> OnPostRevertGlobalAsync(string section)
    {
        if (!Use(section) || GlobalField is not { } field || !Overriding)
        {
            return NotFound();
        }

        return await ChangeAsync(
            async () =>
            {
                await Configuration.EditLevelAsync(Target, level =>
                {
                    field.Accessor.Clear(level);
                    return level;
                }, Actor, $"{field.Name} of {Target} back to the inherited value");
                return $"{GlobalTitle} of {Target} now use the {Inherited(await Configuration.ReadStagedAsync()).LevelName(field.Name)} values (staged).";
            });
    }

    private bool Use(string section)
    {
        if (GuiSections.Find(section) is not { } found)
        {
            return false;
        }

        Section = found;
        Collection = EntityFields.IsEntityCollection(Field);
        EntityName = Collection ? MessageForm.Label(Field.MessageType.Name) : "";
        return true;
    }

    // In machine mode the page shows what the machine runs (cluster, its group, its own values);
    // in group mode what the group's members share (cluster, then the group).
    private async Task<EffectiveConfig> EffectiveAsync() => Effective(await Configuration.ReadStagedAsync());

    private EffectiveConfig Effective(ConfigurationSet staged)
    {
        var cluster = staged.Cluster ?? new LevelConfig();
        return Target.Kind switch
        {
            ConfigLevel.Machine => NodeEffective.For(staged, Target.Name!),
            ConfigLevel.Group => ConfigMerge.Merge(cluster, (Target.Name!, Target.Read(staged)), new LevelConfig()),
            _ => new EffectiveConfig(cluster, new Dictionary<string, ConfigLevel>()),
        };
    }

    // What the edited level would fall back to without its own values.
    private EffectiveConfig Inherited(ConfigurationSet staged)
    {
        var cluster = staged.Cluster ?? new LevelConfig();
        return Target.Kind == ConfigLevel.Machine
            ? ConfigMerge.Merge(cluster, NodeEffective.GroupLevel(staged, Target.Name!), new LevelConfig())
            : ConfigMerge.Merge(cluster, new LevelConfig());
    }

    private IEnumerable<IMessage> Entities(EffectiveConfig effective) =>
        ((System.Collections.IList)Field.Accessor.GetValue(effective.Config)).Cast<IMessage>();

    protected override async Task LoadAsync()
    {
        var staged = await Configuration.ReadStagedAsync();
        var effective = Effective(staged);
        string LevelOf(string path) => !Overriding ? "cluster" : effective.SourceOf(path) == ConfigLevel.Machine ? $"machine {Machine}" : effective.LevelName(path);
        bool Here(string path) => effective.SourceOf(path) == Target.Kind && Overriding;
        if (Collection)
        {
            var inheritedKeys = ((System.Collections.IList)Field.Accessor.GetValue(Inherited(staged).Config)).Cast<IMessage>().Select(EntityFields.EntityKey).ToHashSet();
            Rows = [.. Entities(effective).Select(e =>
            {
                var key = EntityFields.EntityKey(e);
                var path = EntityFields.EntityPath(Field, key);
                return new EntityRow(key, Summary(e), LevelOf(path), inheritedKeys.Contains(key), !Overriding || Here(path));
            })];
        }

        var config = effective.Config;
        IReadOnlyList<string> certificates = [.. config.Certificates.Select(c => c.Name)];
        Choices = new Dictionary<string, IReadOnlyList<string>>
        {
            ["certificate"] = certificates,
            ["client_certificate"] = certificates,
            ["https_certificate"] = certificates,
            // Interfaces are machine settings: in cluster mode, those of every machine.
            ["interface"] = [.. config.IpInterfaces.Concat(staged.Machines.Values.SelectMany(m => m.IpInterfaces)).Select(i => i.Name).Distinct()],
            ["default_policy"] = [.. config.MailFlowPolicies.Select(p => p.Name)],
            ["policy"] = [.. config.MailFlowPolicies.Select(p => p.Name)],
            ["host_access_table"] = [.. config.SenderGroups.Select(g => g.Name)],
            ["ldap_accept_profile"] = [.. config.LdapProfiles.Select(p => p.Name)],
        };
        if (GlobalField is { } field)
        {
            Global ??= (IMessage?)field.Accessor.GetValue(effective.Config) ?? field.MessageType.Parser.ParseFrom(ByteString.Empty);
            GlobalLevel = LevelOf(field.Name);
            GlobalHere = Here(field.Name);
        }
    }

    // The first few set fields, enough to tell entities apart in the list.
    private static string Summary(IMessage entity) =>
        string.Join(", ", entity.Descriptor.Fields.InFieldNumberOrder().Skip(1)
            .Select(f => (f, v: f.Accessor.GetValue(entity)))
            .Where(p => IsSet(p.f, p.v) && !Gatehouse.Configuration.Secrets.SecretFields.IsSecret(p.f))
            .Take(4)
            .Select(p => $"{MessageForm.Label(p.f.Name)}: {Shorten(Text(p.f, p.v!))}"));

    // An enum left at its unspecified value takes the inherited one: nothing to show, like an empty text.
    private static bool IsSet(FieldDescriptor field, object? value) =>
        value is not null && value.ToString() is { Length: > 0 } text && text != "0" && text != "False" && text != "[ ]"
        && !(field.FieldType == FieldType.Enum && !field.IsRepeated && Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture) == 0);

    // Enums as configuration files write them (required_verify), everything else as it prints.
    private static string Text(FieldDescriptor field, object value) =>
        field.FieldType == FieldType.Enum && !field.IsRepeated
            ? Gatehouse.Configuration.Files.ConfigFileReader.EnumName(field.EnumType, Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture))
            : value.ToString()!;

    private static string Shorten(string text) => text.Length > 60 ? text[..57] + "…" : text;
}
