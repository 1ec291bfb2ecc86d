using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>The GUI as a browser uses it: cookies, the manager's CA, the login form with its anti-forgery token.</summary>
internal static partial class GuiBrowser
{
    public static HttpClient Open(ManagerInstance manager, CookieContainer? cookies = null)
    {
        var handler = PrivateTrustHandler.Trusting(X509CertificateLoader.LoadCertificateFromFile(manager.CaFile));
        handler.CookieContainer = cookies ?? new CookieContainer();
        handler.AllowAutoRedirect = false;
        return new HttpClient(handler) { BaseAddress = manager.Url };
    }

    // As a browser does: the form's anti-forgery token, then the post.
    public static async Task<(HttpStatusCode Status, string Body)> LoginAsync(HttpClient gui, string name, string password)
    {
        var form = await gui.GetStringAsync(new Uri("/login", UriKind.Relative));
        var token = AntiForgery().Match(form).Groups[1].Value;
        using var post = await gui.PostAsync(new Uri("/login", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = name,
            ["password"] = password,
            ["__RequestVerificationToken"] = token,
        }));
        return (post.StatusCode, await post.Content.ReadAsStringAsync());
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiForgery();
}
