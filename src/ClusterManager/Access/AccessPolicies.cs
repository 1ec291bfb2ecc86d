using Gatehouse.ClusterManager.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;

namespace Gatehouse.ClusterManager.Access;

/// <summary>
/// Who may call what (SEC-1), as endpoint metadata: the admin API needs the admin token, the
/// GUI a login cookie, the node RPCs a member's certificate. Anything mapped without a policy
/// falls back to the admin API's, so a forgotten endpoint is closed, not open. Routing decides
/// which endpoint a path is — letter case and encodings included — and the policy goes with it.
/// </summary>
internal static class AccessPolicies
{
    public const string AdminApi = "admin-api";
    public const string Gui = "gui";
    public const string Node = "node";

    public static void AddAccessPolicies(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, AdminTokenHandler>(AdminTokenHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, NodeCertificateHandler>(NodeCertificateHandler.SchemeName, null);
        var builder = services.AddAuthorizationBuilder()
            .AddPolicy(AdminApi, Require(AdminTokenHandler.SchemeName))
            .AddPolicy(Gui, Require(CookieAuthenticationDefaults.AuthenticationScheme))
            .AddPolicy(Node, Require(NodeCertificateHandler.SchemeName))
            .SetFallbackPolicy(InRole(ApiRole.Admin));
        foreach (var role in ApiRoles.All)
        {
            builder.AddPolicy(role.Policy(), InRole(role));
        }
    }

    /// <summary>
    /// Every API endpoint not marked with <see cref="ApiRoles.For"/> needs admin: a new endpoint
    /// is closed to lesser roles until someone decides otherwise.
    /// </summary>
    public static void AdminUnlessMarked(this RouteGroupBuilder api) =>
        ((IEndpointConventionBuilder)api).Finally(endpoint =>
        {
            if (!endpoint.Metadata.OfType<ApiRoleMetadata>().Any())
            {
                endpoint.Metadata.Add(new ApiRoleMetadata(ApiRole.Admin));
                endpoint.Metadata.Add(new AuthorizeAttribute(ApiRole.Admin.Policy()));
            }
        });

    // An API caller whose role is this one or above.
    private static AuthorizationPolicy InRole(ApiRole role) =>
        new AuthorizationPolicyBuilder(AdminTokenHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => ApiRoles.Parse(context.User.FindFirst(System.Security.Claims.ClaimTypes.Role)?.Value) >= role)
            .Build();

    private static AuthorizationPolicy Require(string scheme) =>
        new AuthorizationPolicyBuilder(scheme).RequireAuthenticatedUser().Build();
}
