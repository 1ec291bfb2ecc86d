using Gatehouse.Configuration.Matching;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>Daily TLS (RFC 8460) and DMARC (RFC 7489) reports need who sends them: the fields go into every report and its mail.</summary>
public sealed class TlsReportingRule : IConfigRule
{
    private const int MaxText = 200;

    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        CheckTls(config, errors);
        CheckDmarc(config, errors);
    }

    private static void CheckDmarc(EffectiveConfig config, ValidationErrors errors)
    {
        var reporting = config.Config.Manager?.DmarcReporting;
        if (reporting is not { Enabled: true })
        {
            return;
        }

        CheckText("manager.dmarc_reporting.organization_name", reporting.OrganizationName, required: true, errors);
        CheckText("manager.dmarc_reporting.extra_contact_info", reporting.ExtraContactInfo, required: false, errors);
        var at = reporting.Email.LastIndexOf('@');
        if (at is <= 0 or > 64 || reporting.Email.Length > 254 || !HostNameSyntax.IsValid(reporting.Email[(at + 1)..]) || !reporting.Email[(at + 1)..].Contains('.', StringComparison.Ordinal)
            || !reporting.Email[..at].All(c => char.IsAsciiLetterOrDigit(c) || ".!#$%&'*+/=?^_`{|}~-".Contains(c, StringComparison.Ordinal)))
        {
            errors.Add("manager.dmarc_reporting.email", $"'{LevelShapeRule.Printable(reporting.Email)}' is not an address in a fully qualified domain");
        }
    }

    private static void CheckText(string field, string value, bool required, ValidationErrors errors)
    {
        if ((required || value.Length > 0) && (value.Trim().Length == 0 || value.Length > MaxText || value.Any(char.IsControl)))
        {
            errors.Add(field, $"{(required ? "is required when reporting is enabled: " : "")}1-{MaxText} characters, no control characters");
        }
    }

    private static void CheckTls(EffectiveConfig config, ValidationErrors errors)
    {
        var reporting = config.Config.Manager?.TlsReporting;
        if (reporting is not { Enabled: true })
        {
            return;
        }

        CheckText("manager.tls_reporting.organization_name", reporting.OrganizationName, required: true, errors);
        CheckText("manager.tls_reporting.contact_info", reporting.ContactInfo, required: true, errors);

        if (!HostNameSyntax.IsValid(reporting.Submitter) || !reporting.Submitter.Contains('.', StringComparison.Ordinal))
        {
            errors.Add("manager.tls_reporting.submitter", $"'{LevelShapeRule.Printable(reporting.Submitter)}' is not a fully qualified host name");
        }
    }
}
