using System.Security.Cryptography;
using Gatehouse.ClusterManager.Runtime;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Files;
using Gatehouse.Manager.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Backup;

/// <summary>
/// A manager's whole state in one file sealed with a passphrase: the CA, the secrets key and the
/// admin token, and the store (versions, pending changes, node registry, revocations, audit,
/// alerts, TLS report events, shared MTA-STS policies, API tokens, GUI users). Restored onto an
/// empty data directory and an empty store, it brings the cluster back so that every node
/// reconnects with its own certificate, without joining again. Join tokens are not kept: they
/// are short-lived and single-use.
/// </summary>
internal static class ManagerBackups
{
    private const string Header = "gatehouse-backup v1";

    // The files a replica shares, relative to the data directory.
    private static readonly string[] Files = ["ca/ca.crt", "ca/ca.key", "keys/secrets.key", "admin.token"];

    public static async Task<ManagerBackup> CollectAsync(IManagerStore store, ManagerPaths paths, string actor, DateTimeOffset now, CancellationToken cancel)
    {
        var backup = new ManagerBackup
        {
            MadeAt = Timestamp.FromDateTimeOffset(now),
            MadeBy = actor,
            Pending = await store.GetPendingAsync(cancel),
        };
        foreach (var file in Files)
        {
            backup.Files[file] = ByteString.CopyFrom(await File.ReadAllBytesAsync(Path.Combine(paths.DataDir, file), cancel));
        }

        backup.Versions.AddRange(await store.ListVersionsAsync(cancel));
        backup.Nodes.AddRange(await store.ListNodesAsync(cancel));
        backup.Revoked.AddRange(await store.ListRevokedAsync(cancel));
        backup.Audit.AddRange(await store.ReadAuditAsync(int.MaxValue, cancel));
        backup.Alerts.AddRange(await store.ListAlertsAsync(int.MaxValue, cancel));
        backup.AlertEvents.AddRange(await store.ListAlertEventsAsync(int.MaxValue, cancel));
        backup.TlsReportEvents.AddRange(await store.ListTlsReportEventsAsync(int.MaxValue, cancel));
        backup.StsPolicies.AddRange(await store.ListStsPoliciesAsync(cancel));
        backup.ApiTokens.AddRange(await store.ListApiTokensAsync(cancel));
        backup.GuiUsers.AddRange(await store.ListGuiUsersAsync(cancel));
        return backup;
    }

    public static string Seal(ManagerBackup backup, string passphrase) =>
        $"{Header}\n{PassphraseSecrets.SealText(Convert.ToBase64String(backup.ToByteArray()), passphrase)}\n";

    /// <summary>Reads a sealed backup; a wrong passphrase or another file throws <see cref="CryptographicException"/>.</summary>
    public static ManagerBackup Open(string text, string passphrase)
    {
        var lines = text.Split('\n', 3);
        if (lines.Length < 2 || lines[0] != Header)
        {
            throw new CryptographicException($"not a Gatehouse backup (its first line is not '{Header}')");
        }

        try
        {
            return ManagerBackup.Parser.ParseFrom(Convert.FromBase64String(PassphraseSecrets.OpenText(lines[1].Trim(), passphrase)));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException)
        {
            throw new CryptographicException("the backup is damaged", e);
        }
    }

    /// <summary>
    /// Writes the backup into an empty data directory and an empty store; refuses (and writes
    /// nothing) when either already holds a cluster.
    /// </summary>
    public static async Task RestoreAsync(ManagerBackup backup, IManagerStore store, ManagerPaths paths, CancellationToken cancel)
    {
        if (Files.Any(f => File.Exists(Path.Combine(paths.DataDir, f))))
        {
            throw new InvalidOperationException($"{paths.DataDir} already holds a manager (ca/, keys/ or admin.token); restore into an empty data directory");
        }

        if ((await store.GetLatestAsync(cancel)).Version > 0 || (await store.ListNodesAsync(cancel)).Count > 0)
        {
            throw new InvalidOperationException("the store already holds a cluster; restore into an empty store");
        }

        foreach (var file in Files)
        {
            if (!backup.Files.TryGetValue(file, out var content))
            {
                throw new InvalidOperationException($"the backup has no {file}");
            }
        }

        foreach (var version in backup.Versions.OrderBy(v => v.Version))
        {
            await store.TryCommitAsync(version, clearPendingAt: null, cancel);
        }

        if (backup.Pending is { } pending)
        {
            await store.TrySavePendingAsync(pending, cancel);
        }

        foreach (var node in backup.Nodes)
        {
            // Each node shows connected once its stream opens again.
            node.Connected = false;
            await store.SaveNodeAsync(node, cancel);
        }

        foreach (var revocation in backup.Revoked)
        {
            await store.RestoreRevokedAsync(revocation, cancel);
        }

        foreach (var entry in backup.Audit)
        {
            await store.AppendAuditAsync(entry, cancel);
        }

        foreach (var alert in backup.Alerts)
        {
            await store.TryAddAlertAsync(alert, cancel);
        }

        foreach (var alertEvent in backup.AlertEvents)
        {
            await store.TryAddAlertEventAsync(alertEvent, cancel);
        }

        foreach (var reportEvent in backup.TlsReportEvents)
        {
            await store.TryAddTlsReportEventAsync(reportEvent, cancel);
        }

        foreach (var policy in backup.StsPolicies)
        {
            await store.ReplaceStsPolicyAsync(policy, await store.GetStsPolicyAsync(policy.Domain, cancel), new StsPolicyBounds(int.MaxValue, long.MaxValue), cancel);
        }

        foreach (var token in backup.ApiTokens)
        {
            await store.TryAddApiTokenAsync(token, cancel);
        }

        foreach (var user in backup.GuiUsers)
        {
            await store.SaveGuiUserAsync(user, cancel);
        }

        // The files last: a data directory with a CA is one that holds a manager.
        foreach (var (file, content) in backup.Files.Where(f => Files.Contains(f.Key)))
        {
            var path = Path.Combine(paths.DataDir, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            AtomicFile.Write(path, content.ToByteArray(), privateFile: true);
        }
    }
}
