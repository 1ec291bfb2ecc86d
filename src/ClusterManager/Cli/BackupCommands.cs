using System.CommandLine;
using System.Security.Cryptography;
using Gatehouse.ClusterManager.Backup;
using Gatehouse.ClusterManager.Runtime;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;
using Gatehouse.Configuration.Files;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>backup --out FILE</c>: the running manager's whole state, sealed with a passphrase;
/// <c>restore FILE --data-dir DIR [--store …]</c>: that state onto an empty data directory and an
/// empty store (the file store, or Redis), before the manager starts there.
/// </summary>
internal static class BackupCommands
{
    public static Command Backup(ConnectionOptions connection)
    {
        var output = new Option<string>("--out") { Description = "File to write (mode 0600)", Required = true };
        var passphraseFile = new Option<string>("--passphrase-file") { Description = "File holding the passphrase that seals the backup (default: asked twice, not shown)" };
        var command = new Command("backup", "Write the manager's CA, secrets key, admin token and store (history, audit, nodes, users, tokens) to one file sealed with a passphrase") { output, passphraseFile };
        command.SetAction(async (result, cancel) =>
        {
            var passphrase = Secrets.Read(result.GetValue(passphraseFile), "Passphrase", twice: true);
            using var client = connection.Connect(result);
            var sealedText = await client.PostTextAsync("api/v1/backup", new BackupRequest(passphrase), cancel);
            var path = Path.GetFullPath(result.GetValue(output)!);
            await AtomicFile.WriteAsync(path, System.Text.Encoding.ASCII.GetBytes(sealedText), privateFile: true, cancel: cancel);
            Console.WriteLine($"Backup written to {path}; keep it and its passphrase apart");
        });
        return command;
    }

    public static Command Restore(Func<ParseResult, RedisLocation?> store, params Option[] storeOptions)
    {
        var file = new Argument<string>("FILE") { Description = "A file written by backup" };
        var dataDir = new Option<string>("--data-dir") { Description = "The new manager's data directory: empty, or not there yet", Required = true };
        var passphraseFile = new Option<string>("--passphrase-file") { Description = "File holding the backup's passphrase (default: asked, not shown)" };
        var command = new Command("restore", "Restore a backup onto an empty data directory and an empty store, then start the manager there: nodes reconnect without joining again") { file, dataDir, passphraseFile };
        foreach (var option in storeOptions)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancel) =>
        {
            var passphrase = Secrets.Read(result.GetValue(passphraseFile), "Passphrase");
            ManagerBackup backup;
            try
            {
                backup = ManagerBackups.Open(await File.ReadAllTextAsync(result.GetValue(file)!, cancel), passphrase);
            }
            catch (Exception e) when (e is CryptographicException or IOException)
            {
                throw new CliException($"cannot read the backup: {e.Message}");
            }

            var paths = new ManagerPaths(Path.GetFullPath(result.GetValue(dataDir)!));
            Directory.CreateDirectory(paths.DataDir);
            using var opened = store(result) is { } redis ? (IDisposable)await RedisStore.ConnectAsync(redis) : new FileStore(paths.DataDir);
            try
            {
                await ManagerBackups.RestoreAsync(backup, (IManagerStore)opened, paths, cancel);
            }
            catch (Exception e) when (e is InvalidOperationException or StoreException)
            {
                throw new CliException(e.Message);
            }

            Console.WriteLine($"Restored the backup of {backup.MadeAt.ToDateTimeOffset():u} ({backup.Versions.Count} versions, {backup.Nodes.Count} nodes) into {paths.DataDir}; start the manager on its former address");
        });
        return command;
    }
}
