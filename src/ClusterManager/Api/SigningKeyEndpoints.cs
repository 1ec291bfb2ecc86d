using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Signing;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Api;

/// <summary>DKIM signing keys: list, make, import, the TXT record to publish, delete; a profile's rotation (staged until commit).</summary>
internal static class SigningKeyEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/signing-keys", async (SigningKeys keys) => Results.Json(await keys.ListAsync(), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapPost("/signing-keys", async (HttpContext context, SigningKeys keys) =>
        {
            var r = await AdminApi.Read<SigningKeyRequest>(context);
            var actor = AdminTokenHandler.Actor(context);
            var made = (r.Algorithm, r.Key) switch
            {
                ({ } algorithm, null) => await keys.CreateAsync(r.Name, algorithm, r.Comment, actor),
                (null, { } key) => await keys.ImportAsync(r.Name, Pem(key), r.Comment, actor),
                _ => throw new ChangeRejectedException("give either an algorithm for a new key or a key to import"),
            };
            return Results.Json(made, AdminApi.Json);
        });

        api.MapGet("/signing-keys/{name}/dns", async (string name, string domain, string selector, SigningKeys keys) =>
            Results.Json(await keys.RecordAsync(name, domain, selector), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapPost("/dkim-profiles/{name}/rotate", async (string name, HttpContext context, SigningKeys keys) =>
        {
            var r = await AdminApi.Read<DkimRotationRequest>(context);
            await keys.RotateAsync(name, r.Selector, r.Key, AdminTokenHandler.Actor(context));
            return Results.NoContent();
        });

        api.MapDelete("/signing-keys/{name}", async (string name, HttpContext context, SigningKeys keys) =>
        {
            await keys.DeleteAsync(name, AdminTokenHandler.Actor(context));
            return Results.NoContent();
        });
    }

    private static string Pem(string base64)
    {
        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new ChangeRejectedException("the key is not base64");
        }
    }
}
