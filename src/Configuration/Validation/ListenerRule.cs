using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>Listeners have a type and a usable port, and no two share an address and port.</summary>
public sealed class ListenerRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var bound = new Dictionary<(string, uint), string>();
        foreach (var listener in config.Config.Listeners)
        {
            var path = $"listeners[{listener.Name}]";
            if (listener.Type == ListenerType.Unspecified)
            {
                errors.Add($"{path}.type", "is required (public or private)");
            }

            if (listener.Port is 0 or > 65535)
            {
                errors.Add($"{path}.port", $"{listener.Port} is not a TCP port (1-65535)");
            }
            else if (!bound.TryAdd((listener.Interface, listener.Port), listener.Name))
            {
                errors.Add($"{path}.port", $"interface '{listener.Interface}' port {listener.Port} is already used by listener '{bound[(listener.Interface, listener.Port)]}'");
            }

            if (listener.Type == ListenerType.Private && listener.RecipientAccessTable.Count > 0)
            {
                errors.Add($"{path}.recipient_access_table", "applies to public listeners only");
            }

            foreach (var entry in listener.RecipientAccessTable)
            {
                if (entry.Recipient.Length == 0 || entry.Action == RecipientAction.Unspecified)
                {
                    errors.Add($"{path}.recipient_access_table", "each entry needs a recipient and an action (accept or reject)");
                }
            }
        }
    }
}
