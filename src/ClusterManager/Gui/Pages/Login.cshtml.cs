using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Gatehouse.ClusterManager.Gui.Pages;

internal sealed class LoginModel : PageModel
{
    public string Name { get; private set; } = "";

    public string ReturnUrl { get; private set; } = "/";

    public bool Failed { get; private set; }

    public bool Throttled { get; private set; }

    public void OnGet(string? returnUrl) => ReturnUrl = Local(returnUrl);

    public async Task<IActionResult> OnPostAsync(string name, string password, string? returnUrl)
    {
        Name = name;
        ReturnUrl = Local(returnUrl);
        var verified = await HttpContext.RequestServices.GetRequiredService<LoginThrottle>().VerifyAsync(name, HttpContext.Connection.RemoteIpAddress, password, HttpContext.RequestAborted);
        if (verified != true)
        {
            Failed = verified == false;
            Throttled = verified is null;
            var page = Page();
            page.StatusCode = verified is null ? StatusCodes.Status429TooManyRequests : StatusCodes.Status200OK;
            return page;
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name)], CookieAuthenticationDefaults.AuthenticationScheme);
        await HttpContext.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, new ClaimsPrincipal(identity));
        return LocalRedirect(ReturnUrl);
    }

    // Only paths of this site: a login link must not send the admin elsewhere.
    private static string Local(string? url) => url is { Length: > 1 } && url[0] == '/' && url[1] is not '/' and not '\\' ? url : "/";
}
