using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Policy;

/// <summary>
/// The Recipient Access Table (IN-1): on a public listener a recipient is accepted only when
/// an entry accepts it — its address, its domain, or a <c>.domain</c> it is under.
/// </summary>
internal static class RecipientAccess
{
    public static bool Accepts(Listener listener, string recipient)
    {
        var domain = recipient[(recipient.LastIndexOf('@') + 1)..];
        foreach (var entry in listener.RecipientAccessTable)
        {
            var pattern = entry.Recipient.Trim();
            var matches = pattern.Contains('@', StringComparison.Ordinal)
                ? string.Equals(pattern, recipient, StringComparison.OrdinalIgnoreCase)
                : pattern.StartsWith('.')
                    ? domain.EndsWith(pattern, StringComparison.OrdinalIgnoreCase)
                    : string.Equals(pattern, domain, StringComparison.OrdinalIgnoreCase);
            if (matches)
            {
                return entry.Action == RecipientAction.Accept;
            }
        }

        return false;
    }
}
