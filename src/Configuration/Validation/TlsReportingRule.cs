using Gatehouse.Configuration.Matching;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>Daily TLS reports (RFC 8460) need who sends them: the fields go into every report and its mail.</summary>
public sealed class TlsReportingRule : IConfigRule
{
    private const int MaxText = 200;

    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var reporting = config.Config.Manager?.TlsReporting;
        if (reporting is not { Enabled: true })
        {
            return;
        }

        foreach (var (field, value) in new[] { ("organization_name", reporting.OrganizationName), ("contact_info", reporting.ContactInfo) })
        {
            if (value.Trim().Length == 0 || value.Length > MaxText || value.Any(char.IsControl))
            {
                errors.Add($"manager.tls_reporting.{field}", $"is required when reporting is enabled: 1-{MaxText} characters, no control characters");
            }
        }

        if (!HostNameSyntax.IsValid(reporting.Submitter) || !reporting.Submitter.Contains('.', StringComparison.Ordinal))
        {
            errors.Add("manager.tls_reporting.submitter", $"'{LevelShapeRule.Printable(reporting.Submitter)}' is not a fully qualified host name");
        }
    }
}
