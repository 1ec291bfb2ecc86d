using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;
using Gatehouse.Configuration.Secrets;

namespace Gatehouse.ClusterManager.Api;

/// <summary>Staging, commit, rollback and reading of the configuration (CL-4, CL-5, CL-8).</summary>
internal static class ConfigEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapPut("/changes/cluster", async (HttpContext context, ConfigurationService config, string? source, bool? merge) =>
        {
            var level = ProtoJson.Parse<LevelConfig>(await Body(context));
            await config.StageLevelAsync(LevelTarget.Cluster, level, AdminTokenHandler.Actor(context),
                $"{Verb(merge)} {source ?? "configuration"} at cluster level", merge ?? false);
            return Results.NoContent();
        }).For(ApiRole.Operator);

        api.MapPut("/changes/machines/{name}", async (string name, HttpContext context, ConfigurationService config, string? source, bool? merge) =>
        {
            var level = ProtoJson.Parse<LevelConfig>(await Body(context));
            await config.StageLevelAsync(name, level, AdminTokenHandler.Actor(context),
                $"{Verb(merge)} {source ?? "configuration"} at machine level of {name}", merge ?? false);
            return Results.NoContent();
        }).For(ApiRole.Operator);

        api.MapPut("/changes/groups/{name}", async (string name, HttpContext context, ConfigurationService config, string? source, bool? merge) =>
        {
            var level = ProtoJson.Parse<LevelConfig>(await Body(context));
            await config.StageLevelAsync(LevelTarget.Of(null, name), level, AdminTokenHandler.Actor(context),
                $"{Verb(merge)} {source ?? "configuration"} at group level of {name}", merge ?? false);
            return Results.NoContent();
        }).For(ApiRole.Operator);

        // Groups and their members: staged like every change (create, delete, add, remove).
        api.MapPost("/groups", async (HttpContext context, ConfigurationService config) =>
        {
            var request = await AdminApi.Read<GroupRequest>(context);
            await config.ChangeGroupAsync(request.Op, request.Group, request.Node, AdminTokenHandler.Actor(context));
            return Results.NoContent();
        }).For(ApiRole.Operator);

        api.MapPut("/changes", async (HttpContext context, ConfigurationService config, string? source) =>
        {
            var content = ProtoJson.Parse<ConfigurationSet>(await Body(context));
            await config.StageAllAsync(content, AdminTokenHandler.Actor(context), $"load {source ?? "configuration"} (all levels)");
            return Results.NoContent();
        }).For(ApiRole.Operator);

        api.MapGet("/changes", async (ConfigurationService config) => Results.Json(await config.ShowChangesAsync(), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapDelete("/changes", async (HttpContext context, ConfigurationService config) =>
        {
            await config.ClearChangesAsync(AdminTokenHandler.Actor(context));
            return Results.NoContent();
        }).For(ApiRole.Operator);

        api.MapPost("/commit", async (HttpContext context, ConfigurationService config, Signing.DkimPublication publication) =>
        {
            var request = await AdminApi.Read<CommitRequest>(context);
            if (string.IsNullOrWhiteSpace(request.Comment))
            {
                throw new ChangeRejectedException("a commit needs a comment (--comment TEXT)");
            }

            // DKIM keys not yet in DNS: a warning, or with --require-published a refusal.
            var unpublished = await publication.UnpublishedAsync();
            if (request.RequirePublished && unpublished.Count > 0)
            {
                return Results.Json(new CommitResponse(null, [.. unpublished], []), AdminApi.Json, statusCode: StatusCodes.Status422UnprocessableEntity);
            }

            var result = await config.CommitAsync(request.Comment, AdminTokenHandler.Actor(context));
            var body = new CommitResponse(result.Version, result.Errors.Select(e => e.ToString()).ToList(),
                [.. result.Warnings.Select(e => e.ToString()).Distinct(), .. unpublished]);
            return Results.Json(body, AdminApi.Json, statusCode: result.Version is null ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK);
        }).For(ApiRole.Operator);

        api.MapPost("/rollback", async (HttpContext context, ConfigurationService config) =>
        {
            var request = await AdminApi.Read<RollbackRequest>(context);
            await config.RollbackAsync(request.Version, AdminTokenHandler.Actor(context));
            return Results.NoContent();
        }).For(ApiRole.Operator);

        api.MapGet("/config", async (IManagerStore store, SecretBox secrets, string? machine, string? group, bool? effective, bool? pending) =>
        {
            var content = await Content(store, pending ?? false);
            var cluster = content.Cluster ?? new LevelConfig();
            var target = LevelTarget.Of(machine, group);
            if (group is not null && !content.Groups.ContainsKey(group))
            {
                throw new ChangeRejectedException($"there is no group {group}");
            }

            if ((effective ?? false) && machine is not null)
            {
                var merged = NodeEffective.For(content, machine);
                var provenance = string.Join(",", merged.Provenance.Select(p =>
                    $"{System.Text.Json.JsonSerializer.Serialize(p.Key)}:{System.Text.Json.JsonSerializer.Serialize(merged.LevelName(p.Key))}"));
                return Json($"{{\"config\":{ProtoJson.Format(Masked(merged.Config))},\"provenance\":{{{provenance}}}}}");
            }

            return Json(ProtoJson.Format(Masked(target.Read(content))));
        }).For(ApiRole.ReadOnly);

        api.MapGet("/config/groups", async (IManagerStore store, bool? pending) =>
        {
            var content = await Content(store, pending ?? false);
            return Json(ProtoJson.Format(Masked(new ConfigurationSet { Groups = { content.Groups } })));
        }).For(ApiRole.ReadOnly);

        api.MapPost("/config/export", async (HttpContext context, ConfigurationService config) =>
        {
            var request = await AdminApi.Read<ExportRequest>(context);
            return Json(ProtoJson.Format(await config.ExportAsync(request.Keys, request.Passphrase, AdminTokenHandler.Actor(context))));
        });
    }

    private static async Task<ConfigurationSet> Content(IManagerStore store, bool pending)
    {
        if (pending && await store.GetPendingAsync() is { } changes)
        {
            return changes.Content;
        }

        return (await store.GetLatestAsync()).Content;
    }

    private static T Masked<T>(T message)
        where T : Google.Protobuf.IMessage<T> => SecretFields.Transform(message, _ => SecretFields.Mask);

    private static string Verb(bool? merge) => merge ?? false ? "merge" : "load";

    private static IResult Json(string json) => Results.Text(json, "application/json");

    private static async Task<string> Body(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        return await reader.ReadToEndAsync();
    }
}
