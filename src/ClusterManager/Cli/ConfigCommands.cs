using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;
using Gatehouse.Configuration.Files;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>Staging, commit, history and the configuration file commands (CL-4, CL-5, CL-8).</summary>
internal static class ConfigCommands
{
    public static IEnumerable<Command> Build(ConnectionOptions connection)
    {
        yield return LoadConfig(connection);
        yield return ShowChanges(connection);
        yield return Simple(connection, "clearchanges", "Discard all pending changes", async (client, cancel) =>
        {
            await client.SendAsync<object>(HttpMethod.Delete, "api/v1/changes", null, cancel);
            Console.WriteLine("Pending changes discarded.");
        });
        yield return Commit(connection);
        yield return Simple(connection, "history", "List committed versions", async (client, cancel) =>
        {
            var versions = await client.GetAsync<List<VersionView>>("api/v1/history", cancel);
            Table.Print(["VERSION", "COMMITTED", "AUTHOR", "COMMENT"], versions.Select(v => new[]
            {
                v.Version.ToString(CultureInfo.InvariantCulture), v.CommittedAt.ToUniversalTime().ToString("u", CultureInfo.InvariantCulture),
                v.Author, v.Comment,
            }));
        });
        yield return Rollback(connection);
        yield return ShowConfig(connection);
        yield return SaveConfig(connection);
        yield return Audit(connection);
    }

    private static Command LoadConfig(ConnectionOptions connection)
    {
        var file = new Argument<string>("FILE") { Description = "YAML or JSON configuration file" };
        var machine = new Option<string>("--machine") { Description = "Stage the file as this node's machine level" };
        var passphraseFile = new Option<string>("--passphrase-file") { Description = "Passphrase for keys saved with --keys encrypt" };
        var merge = new Option<bool>("--merge") { Description = "Lay the file's entities and groups over the level by name instead of replacing the level" };
        var group = new Option<string>("--group") { Description = "Stage the file as this group's level" };
        var command = new Command("loadconfig", "Stage a configuration file (cluster level, one group's or machine's level, or a whole saved configuration)")
        {
            file, machine, group, passphraseFile, merge,
        };
        command.SetAction(async (result, cancel) =>
        {
            var path = result.GetValue(file)!;
            var text = ReadFile(path);
            var node = result.GetValue(machine);
            var passphrase = ReadPassphrase(result.GetValue(passphraseFile));
            var query = $"source={Uri.EscapeDataString(Path.GetFileName(path))}&merge={(result.GetValue(merge) ? "true" : "false")}";
            using var client = connection.Connect(result);
            try
            {
                if (node is not null && result.GetValue(group) is not null)
                {
                    throw new CliException("name --machine or --group, not both");
                }

                if ((node, result.GetValue(group)) is (not null, _) or (_, not null))
                {
                    var (kind, name) = node is not null ? ("machines", node) : ("groups", result.GetValue(group)!);
                    var level = Decrypt(ConfigFileReader.ReadLevel(text, path), passphrase);
                    await client.PutJsonTextAsync($"api/v1/changes/{kind}/{Uri.EscapeDataString(name)}?{query}", ProtoJson.Format(level), cancel);
                    Console.WriteLine($"Staged {path} as the {(node is not null ? "machine" : "group")} level of {name}. Review with showchanges; apply with commit.");
                    return 0;
                }

                var set = Decrypt(ConfigFileReader.ReadSet(text, path), passphrase);
                if (set.Machines.Count == 0 && set.Groups.Count == 0 && !text.Contains("cluster:", StringComparison.Ordinal))
                {
                    await client.PutJsonTextAsync($"api/v1/changes/cluster?{query}", ProtoJson.Format(set.Cluster), cancel);
                    Console.WriteLine($"Staged {path} as the cluster level. Review with showchanges; apply with commit.");
                }
                else if (result.GetValue(merge))
                {
                    throw new CliException("--merge applies to one level; a whole saved configuration replaces everything");
                }
                else
                {
                    await client.PutJsonTextAsync($"api/v1/changes?{query}", ProtoJson.Format(set), cancel);
                    Console.WriteLine($"Staged {path} as the whole configuration ({set.Machines.Count} machine levels). Review with showchanges; apply with commit.");
                }
            }
            catch (ConfigFileException e)
            {
                throw new CliException($"{path} is not a valid configuration file ({e.Errors.Count} errors)", e.Errors.Select(x => x.ToString()).ToList());
            }

            return 0;
        });
        return command;
    }

    private static Command ShowChanges(ConnectionOptions connection) =>
        Simple(connection, "showchanges", "List the pending changes", async (client, cancel) =>
        {
            var view = await client.GetAsync<ChangesView>("api/v1/changes", cancel);
            if (view.Changes.Count == 0)
            {
                Console.WriteLine($"No pending changes (current version {view.BaseVersion}).");
                return;
            }

            Console.WriteLine($"Pending changes on version {view.BaseVersion}:");
            foreach (var change in view.Changes)
            {
                Console.WriteLine($"  {change.At.ToUniversalTime():u}  {change.Author}  {change.Description}");
            }

            Console.WriteLine(view.Differences.Count == 0 ? "No differences from the committed configuration." : "Differences:");
            foreach (var line in view.Differences)
            {
                Console.WriteLine($"  {line}");
            }
        });

    private static Command Commit(ConnectionOptions connection)
    {
        var comment = new Option<string>("--comment") { Description = "Why this change is made (kept in history)", Required = true };
        var requirePublished = new Option<bool>("--require-published") { Description = "Refuse the commit while a new or rotated DKIM key is not found in DNS" };
        var command = new Command("commit", "Validate every node's configuration and commit the pending changes; prints the new version") { comment, requirePublished };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var response = await client.SendAsync<CommitResponse>(HttpMethod.Post, "api/v1/commit",
                new CommitRequest(result.GetValue(comment)!, result.GetValue(requirePublished)), acceptStatus: 422, cancel);
            if (response.Version is null)
            {
                throw new CliException($"commit refused, nothing changed: {response.Errors.Count} error(s)", response.Errors);
            }

            foreach (var warning in response.Warnings)
            {
                Console.Error.WriteLine($"warning: {warning}");
            }

            Console.WriteLine(response.Version.Value.ToString(CultureInfo.InvariantCulture));
            return 0;
        });
        return command;
    }

    private static Command Rollback(ConnectionOptions connection)
    {
        var version = new Option<long>("--version") { Description = "Version whose content to stage", Required = true };
        var command = new Command("rollbackconfig", "Stage the content of an earlier version; commit to apply it") { version };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var wanted = result.GetValue(version);
            await client.SendAsync<object>(HttpMethod.Post, "api/v1/rollback", new RollbackRequest(wanted), cancel);
            Console.WriteLine($"Staged the content of version {wanted}. Review with showchanges; apply with commit.");
            return 0;
        });
        return command;
    }

    private static Command ShowConfig(ConnectionOptions connection)
    {
        var machine = new Option<string>("--machine") { Description = "Show this node's machine level (or, with --effective, its effective configuration)" };
        var effective = new Option<bool>("--effective") { Description = "With --machine: merge cluster, group and machine level; each entity says where it comes from" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var pending = new Option<bool>("--pending") { Description = "Show the pending (uncommitted) configuration" };
        var group = new Option<string>("--group") { Description = "Show this group's level" };
        var command = new Command("showconfig", "Print the committed configuration; private keys are masked") { machine, group, effective, json, pending };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var query = new List<string>();
            if (result.GetValue(machine) is { } node)
            {
                query.Add($"machine={Uri.EscapeDataString(node)}");
            }

            if (result.GetValue(group) is { } name)
            {
                query.Add($"group={Uri.EscapeDataString(name)}");
            }

            if (result.GetValue(effective))
            {
                query.Add("effective=true");
            }

            if (result.GetValue(pending))
            {
                query.Add("pending=true");
            }

            var text = await client.GetTextAsync($"api/v1/config?{string.Join('&', query)}", cancel);
            Console.Write(result.GetValue(json) ? text + Environment.NewLine : EffectiveYaml(text, result.GetValue(effective)));
            return 0;
        });
        return command;
    }

    private static Command SaveConfig(ConnectionOptions connection)
    {
        var output = new Option<string>("--out") { Description = "File to write", Required = true };
        var keys = new Option<string>("--keys") { Description = "Private keys and passwords: mask (file cannot be loaded), encrypt (with a passphrase) or plain", DefaultValueFactory = _ => "mask" };
        keys.AcceptOnlyFromAmong("mask", "encrypt", "plain");
        var passphraseFile = new Option<string>("--passphrase-file") { Description = "Passphrase for --keys encrypt" };
        var command = new Command("saveconfig", "Write the whole committed configuration (all levels) to a YAML file") { output, keys, passphraseFile };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var mode = result.GetValue(keys)!;
            var passphrase = ReadPassphrase(result.GetValue(passphraseFile));
            if (mode == "encrypt" && passphrase is null)
            {
                throw new CliException("--keys encrypt needs --passphrase-file FILE");
            }

            var json = await client.PostTextAsync("api/v1/config/export", new ExportRequest(mode, passphrase), cancel);
            var set = ProtoJson.Parse<ConfigurationSet>(json);
            var path = result.GetValue(output)!;
            await AtomicFile.WriteAsync(path, System.Text.Encoding.UTF8.GetBytes(ConfigFileWriter.Write(set)), privateFile: mode != "mask", cancel: cancel);
            Console.WriteLine($"Saved the configuration to {path} (keys: {mode}).");
            return 0;
        });
        return command;
    }

    private static Command Audit(ConnectionOptions connection)
    {
        var last = new Option<int>("--last") { Description = "How many entries", DefaultValueFactory = _ => 50 };
        var command = new Command("audit", "Show the audit log of staged changes, commits and node events") { last };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var entries = await client.GetAsync<List<AuditView>>($"api/v1/audit?last={result.GetValue(last)}", cancel);
            foreach (var entry in entries)
            {
                Console.WriteLine($"{entry.At.ToUniversalTime():u}  {entry.Actor}  {entry.Action}  {entry.Detail}");
            }

            return 0;
        });
        return command;
    }

    private static Command Simple(ConnectionOptions connection, string name, string description, Func<AdminClient, CancellationToken, Task> action)
    {
        var command = new Command(name, description);
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            await action(client, cancel);
            return 0;
        });
        return command;
    }

    // Effective view: YAML with a comment naming the level above each entity and group.
    private static string EffectiveYaml(string json, bool effective)
    {
        if (!effective)
        {
            return ConfigFileWriter.Write(ProtoJson.Parse<LevelConfig>(json));
        }

        using var document = JsonDocument.Parse(json);
        var config = ProtoJson.Parse<LevelConfig>(document.RootElement.GetProperty("config").GetRawText());
        var provenance = document.RootElement.GetProperty("provenance").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString());
        return ConfigFileWriter.Write(config, path => provenance.TryGetValue(path, out var level) ? $"level: {level}" : null);
    }

    private static T Decrypt<T>(T message, string? passphrase)
        where T : Google.Protobuf.IMessage<T>
    {
        if (passphrase is null)
        {
            return message;
        }

        try
        {
            return PassphraseSecrets.Decrypt(message, passphrase);
        }
        catch (CryptographicException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static string ReadFile(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {path}: {e.Message}");
        }
    }

    private static string? ReadPassphrase(string? file) => file is null ? null : ReadFile(file).TrimEnd('\r', '\n');
}
