using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Views;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.ClusterManager.Api;

/// <summary>
/// <c>GET /api/v1/sts-policies</c>: the MTA-STS policies nodes shared with the cluster, who shared
/// each and until when; <c>DELETE /api/v1/sts-policies/{domain}</c> purges one (in the audit log):
/// the nodes drop their copies and fetch the domain's policy themselves.
/// </summary>
internal static class StsPolicyEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/sts-policies", async (SharedStsPolicies policies, HttpContext context) =>
            Results.Json((await policies.ListAsync(context.RequestAborted)).Select(p => new StsPolicyView(
                p.Domain, p.Id, p.PolicyText, p.SharedBy, p.FetchedAt?.ToDateTimeOffset(), p.ExpiresAt?.ToDateTimeOffset())), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapDelete("/sts-policies/{domain}", async (string domain, SharedStsPolicies policies, AuditLog audit, HttpContext context) =>
        {
            var name = domain.Trim().TrimEnd('.').ToLowerInvariant();
            if (!HostNameSyntax.IsValid(name))
            {
                throw new ChangeRejectedException($"'{domain}' is not a domain");
            }

            var removed = await policies.PurgeAsync(name, context.RequestAborted);
            await audit.RecordAsync(AdminTokenHandler.Actor(context), "sts purge", removed ? name : $"{name} (none kept)", context.RequestAborted);
            return Results.Json(new StsPurgeView(name, removed), AdminApi.Json);
        }).For(ApiRole.Operator);
    }
}
