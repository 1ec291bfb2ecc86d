using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>URL filtering the node can do (SVC-3): an https verdict service, bounded waits and counts.</summary>
public sealed class WebSecurityRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var web = config.Config.WebSecurity;
        if (web is not { Enabled: true })
        {
            return;
        }

        if (!Uri.TryCreate(web.ServiceUrl, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps || url.Host.Length == 0
            || url.Query.Length > 0 || url.Fragment.Length > 0 || url.UserInfo.Length > 0)
        {
            errors.Add("web_security.service_url", $"'{web.ServiceUrl}' is not an https URL of a verdict service (no query, no user)");
        }

        if (web.TimeoutSeconds > 60)
        {
            errors.Add("web_security.timeout_seconds", "at most 60");
        }

        if (web.MaxUrls > 1000)
        {
            errors.Add("web_security.max_urls", "at most 1000");
        }

        if (web.CacheSeconds > 86_400)
        {
            errors.Add("web_security.cache_seconds", "at most 86400");
        }

        if (web.ClientCertificate.Length == 0)
        {
            errors.Warn("web_security.client_certificate", "no client certificate: the verdict service cannot tell this node from anyone else");
        }
    }
}
