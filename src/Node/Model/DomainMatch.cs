namespace Gatehouse.Node.Model;

/// <summary>
/// Entries keyed by domain as destination controls and SMTP routes are: the domain's own entry
/// first, else the longest <c>.parent</c> entry it is under; letter case does not matter.
/// </summary>
internal static class DomainMatch
{
    public static T? Find<T>(IEnumerable<T> entries, Func<T, string> key, string domain)
        where T : class
    {
        T? parent = null;
        foreach (var entry in entries)
        {
            var pattern = key(entry);
            if (string.Equals(pattern, domain, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }

            if (pattern.StartsWith('.') && domain.EndsWith(pattern, StringComparison.OrdinalIgnoreCase)
                && (parent is null || pattern.Length > key(parent).Length))
            {
                parent = entry;
            }
        }

        return parent;
    }
}
