using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.Backup;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Gui;
using Gatehouse.ClusterManager.Runtime;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Api;

/// <summary>
/// <c>POST /api/v1/backup</c> <c>{"passphrase"}</c> (admin, audited): the manager's whole state —
/// CA, secrets key, admin token and store — sealed with the passphrase, as <c>backup</c> writes it.
/// </summary>
internal static class BackupEndpoints
{
    private const int MinPassphrase = 12;

    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/backup", async (HttpContext context, IManagerStore store, ManagerPaths paths, AuditLog audit, TimeProvider time) =>
        {
            var request = await AdminApi.Read<BackupRequest>(context);
            if (request.Passphrase is not { Length: >= MinPassphrase and <= AdminUsers.MaxPassword } passphrase)
            {
                throw new ChangeRejectedException($"a backup is sealed with a passphrase of {MinPassphrase} to {AdminUsers.MaxPassword} characters");
            }

            var actor = AdminTokenHandler.Actor(context);
            var backup = await ManagerBackups.CollectAsync(store, paths, actor, time.GetUtcNow(), context.RequestAborted);
            await audit.RecordAsync(actor, "backup", $"{backup.Versions.Count} versions, {backup.Nodes.Count} nodes, {backup.Audit.Count} audit entries", context.RequestAborted);
            return Results.Text(ManagerBackups.Seal(backup, passphrase), "text/plain");
        });
}
