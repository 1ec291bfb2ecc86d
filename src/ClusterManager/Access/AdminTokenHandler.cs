using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gatehouse.ClusterManager.Access;

/// <summary>
/// The admin API's caller: <c>Authorization: Bearer TOKEN</c> with the token of
/// <c>DATA/admin.token</c> (CL-9). It only authenticates; which endpoints need it is endpoint
/// metadata (<see cref="AccessPolicies"/>), never a match on the path.
/// </summary>
internal sealed class AdminTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AdminToken token)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminToken";
    public const string ActorName = "admin";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!token.Matches(header[Bearer.Length..].Trim()))
        {
            return Task.FromResult(AuthenticateResult.Fail("the admin API token is not valid"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, ActorName)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Response.WriteAsJsonAsync(new ApiError("authentication required: give the admin API token (DATA/admin.token)"));
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await Response.WriteAsJsonAsync(new ApiError("this caller may not use the admin API"));
    }

    /// <summary>Who made an API change, for the audit log.</summary>
    public static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}

internal sealed record ApiError(string Error, IReadOnlyList<string>? Details = null);
