using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gatehouse.ClusterManager.Access;

/// <summary>
/// The admin API's caller: <c>Authorization: Bearer TOKEN</c> with the token of
/// <c>DATA/admin.token</c> (CL-9, role admin, audited as <c>admin</c>) or a named token of
/// <see cref="ApiTokens"/> (its role, audited as <c>token NAME</c>). It only authenticates;
/// which endpoints need which role is endpoint metadata (<see cref="AccessPolicies"/>), never a
/// match on the path.
/// </summary>
internal sealed class AdminTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AdminToken token, ApiTokens named)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminToken";
    public const string ActorName = "admin";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var presented = header[Bearer.Length..].Trim();
        if (token.Matches(presented))
        {
            return Success(ActorName, ApiRole.Admin);
        }

        try
        {
            return await named.FindAsync(presented, Context.RequestAborted) is { } found
                ? Success($"token {found.Name}", found.Role)
                : AuthenticateResult.Fail("the admin API token is not valid");
        }
        catch (Store.StoreException)
        {
            return AuthenticateResult.Fail("the store cannot be read to check the token now");
        }
    }

    private static AuthenticateResult Success(string actor, ApiRole role)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, actor), new Claim(ClaimTypes.Role, role.Name())], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
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
        var role = Context.User.FindFirst(ClaimTypes.Role)?.Value;
        await Response.WriteAsJsonAsync(new ApiError(role is null
            ? "this caller may not use the admin API"
            : $"a {role} token may not do this: it needs {Context.GetEndpoint()?.Metadata.GetMetadata<ApiRoleMetadata>()?.Role.Name() ?? "admin"}"));
    }

    /// <summary>Who made an API change, for the audit log.</summary>
    public static string Actor(HttpContext context) => context.User.Identity?.Name ?? "unknown";
}

internal sealed record ApiError(string Error, IReadOnlyList<string>? Details = null);
