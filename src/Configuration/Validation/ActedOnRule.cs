using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// Refuses any setting the node does not act on yet, so that no field is ever accepted and
/// silently ignored: an admin who sets it is told at commit, not surprised by mail later.
/// An entry leaves this list in the change that makes the node act on it.
/// </summary>
public sealed class ActedOnRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var c = config.Config;
        if (c.WebSecurity is { Enabled: true })
        {
            errors.Add("web_security.enabled", "URL filtering is not available yet; leave it disabled");
        }
    }
}
