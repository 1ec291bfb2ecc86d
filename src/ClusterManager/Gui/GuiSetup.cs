using Gatehouse.ClusterManager.Access;

namespace Gatehouse.ClusterManager.Gui;

/// <summary>
/// The web GUI: server-rendered Razor Pages on the manager's HTTPS endpoint, behind a login
/// (cookie: HttpOnly, Secure, SameSite=Strict) with anti-forgery tokens on every form.
/// </summary>
internal static class GuiSetup
{
    public static void AddGui(this IServiceCollection services)
    {
        services.AddSingleton<AdminUsers>();
        services.AddSingleton<LoginThrottle>();
        services.AddAuthentication().AddCookie(options =>
        {
            options.LoginPath = "/login";
            options.LogoutPath = "/logout";
            options.Cookie.Name = "gatehouse";
            options.Cookie.HttpOnly = true;
            options.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
        });
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/Gui/Pages";
            options.Conventions.AuthorizeFolder("/", AccessPolicies.Gui);
            options.Conventions.AllowAnonymousToPage("/Login");
            // As endpoint metadata, like the join RPC's: the rate limiter reads it before the page runs.
            options.Conventions.AddPageApplicationModelConvention("/Login", model =>
                model.EndpointMetadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute(RateLimits.Login)));
        });
    }

    public static void MapGui(this WebApplication app) => app.MapRazorPages();
}
