using Gatehouse.ClusterManager.Hosting;
using Microsoft.AspNetCore.Http;

namespace Gatehouse.ClusterManager.Api;

/// <summary>Every admin API call carries <c>Authorization: Bearer TOKEN</c> (CL-9).</summary>
internal sealed class AdminAuthentication(RequestDelegate next, AdminToken token)
{
    public const string ActorKey = "gatehouse.actor";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.Ordinal) || !token.Matches(header[scheme.Length..].Trim()))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await context.Response.WriteAsJsonAsync(new ApiError("authentication required: give the admin API token (DATA/admin.token)"));
            return;
        }

        context.Items[ActorKey] = "admin";
        await next(context);
    }

    public static string Actor(HttpContext context) => context.Items[ActorKey] as string ?? "unknown";
}

internal sealed record ApiError(string Error, IReadOnlyList<string>? Details = null);
