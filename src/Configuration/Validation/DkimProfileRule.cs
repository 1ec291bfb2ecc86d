using System.Text.RegularExpressions;
using Gatehouse.Configuration.Dkim;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// A DKIM profile names a domain and selector that make a DNS name, a signing key that exists,
/// header fields that include From, and a canonicalization the node keeps: relaxed for the
/// header (a relay folds header lines anew), relaxed or simple for the body. One per domain.
/// </summary>
public sealed partial class DkimProfileRule : IConfigRule
{
    public static readonly IReadOnlySet<string> Canonicalizations = new HashSet<string>(StringComparer.Ordinal) { "relaxed/relaxed", "relaxed/simple" };

    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var keys = config.Config.SigningKeys.Select(k => k.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var profile in config.Config.DkimProfiles)
        {
            var path = $"dkim_profiles[{profile.Name}]";
            if (!DkimRecord.IsLabels(profile.Domain) || !profile.Domain.Contains('.', StringComparison.Ordinal))
            {
                errors.Add($"{path}.domain", $"'{profile.Domain}' is not a domain name");
            }
            else if (!domains.Add(profile.Domain))
            {
                errors.Add($"{path}.domain", $"{profile.Domain} has another profile");
            }

            if (!DkimRecord.IsLabels(profile.Selector))
            {
                errors.Add($"{path}.selector", $"'{profile.Selector}' is not a selector: labels of letters, digits and hyphens");
            }

            if (!keys.Contains(profile.Key))
            {
                errors.Add($"{path}.key", $"there is no signing key named '{profile.Key}'");
            }

            if (profile.Canonicalization.Length > 0 && !Canonicalizations.Contains(profile.Canonicalization))
            {
                errors.Add($"{path}.canonicalization", profile.Canonicalization.StartsWith("simple/", StringComparison.Ordinal)
                    ? "simple header canonicalization is not offered: a relay folds header lines anew, which breaks it; use relaxed/relaxed or relaxed/simple"
                    : $"'{profile.Canonicalization}' is not relaxed/relaxed or relaxed/simple");
            }

            if (profile.Headers.FirstOrDefault(h => !FieldName().IsMatch(h)) is { } bad)
            {
                errors.Add($"{path}.headers", $"'{bad}' is not a header field name");
            }
            else if (profile.Headers.Count > 0 && !profile.Headers.Contains("from", StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{path}.headers", "must include From (RFC 6376 section 5.4)");
            }
        }
    }

    // RFC 5322 field-name: printable ASCII but the colon.
    [GeneratedRegex(@"^[!-9;-~]{1,64}\z")]
    private static partial Regex FieldName();
}
