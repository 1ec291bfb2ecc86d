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
        var adminApi = Require(AdminTokenHandler.SchemeName);
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminApi, adminApi)
            .AddPolicy(Gui, Require(CookieAuthenticationDefaults.AuthenticationScheme))
            .AddPolicy(Node, Require(NodeCertificateHandler.SchemeName))
            .SetFallbackPolicy(adminApi);
    }

    private static AuthorizationPolicy Require(string scheme) =>
        new AuthorizationPolicyBuilder(scheme).RequireAuthenticatedUser().Build();
}
