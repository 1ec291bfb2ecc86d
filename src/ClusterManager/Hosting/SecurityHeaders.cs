namespace Gatehouse.ClusterManager.Hosting;

/// <summary>
/// Headers on every answer of the manager: HTTPS only from now on (HSTS), no inline or foreign
/// script, style or frame (CSP), no content sniffing, no referrer. A name an admin typed that
/// holds markup is then text at worst, never code.
/// </summary>
internal sealed class SecurityHeaders(RequestDelegate next)
{
    private const string Policy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.StrictTransportSecurity = "max-age=31536000";
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        return next(context);
    }
}
