using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>Mail flow policies say what they do, and client verification needs TLS.</summary>
public sealed class MailFlowPolicyRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        foreach (var policy in config.Config.MailFlowPolicies)
        {
            var path = $"mail_flow_policies[{policy.Name}]";
            if (policy.Behavior == PolicyBehavior.Unspecified)
            {
                errors.Add($"{path}.behavior", "is required (accept, relay, reject, tcprefuse or continue)");
            }

            if (policy.VerifyClientCertificate && policy.Tls is InboundTls.Off or InboundTls.Unspecified)
            {
                errors.Add($"{path}.verify_client_certificate", "needs tls preferred or required");
            }

            if (policy.Verify is { } verify)
            {
                CheckVerification(config, verify, $"{path}.verify", errors);
            }

            if (policy.DkimSign && config.Config.DkimProfiles.Count == 0)
            {
                errors.Warn($"{path}.dkim_sign", "no dkim_profiles: mail accepted under this policy goes out unsigned");
            }
        }

        foreach (var destination in config.Config.DestinationControls)
        {
            if (destination.Tls == OutboundTls.Unspecified)
            {
                errors.Add($"destination_controls[{destination.Domain}].tls",
                    "is required (none, preferred, required, preferred_verify or required_verify)");
            }

            if (destination.OverridePublishedPolicy)
            {
                errors.Warn($"destination_controls[{destination.Domain}].override_published_policy",
                    "the domain's own DANE or MTA-STS policy no longer protects mail to it: the control's tls applies instead (each delivery it changes is marked in the mail log)");
            }
        }
    }

    // An action for a check that does not run would be accepted and ignored; DMARC is built
    // from the other two checks' results.
    private static void CheckVerification(EffectiveConfig config, InboundVerification verify, string path, ValidationErrors errors)
    {
        if (verify.ArcSeal.Length > 0 && !verify.Arc)
        {
            errors.Add($"{path}.arc_seal", "needs arc: true (the seal's cv= is the chain's result)");
        }

        if (verify.ArcSeal.Length > 0 && !config.Config.DkimProfiles.Any(p => p.Name.Equals(verify.ArcSeal, StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add($"{path}.arc_seal", $"'{LevelShapeRule.Printable(verify.ArcSeal)}' is not one of dkim_profiles");
        }

        if (verify.SpfFail != VerificationAction.Unspecified && !verify.Spf)
        {
            errors.Add($"{path}.spf_fail", "needs spf: true");
        }

        if (verify.DmarcFail != VerificationAction.Unspecified && !verify.Dmarc)
        {
            errors.Add($"{path}.dmarc_fail", "needs dmarc: true");
        }

        if (verify.Dmarc && !(verify.Spf && verify.Dkim))
        {
            errors.Add($"{path}.dmarc", "needs spf: true and dkim: true (its result is built from both)");
        }

        if (verify.TemporaryError != TemporaryErrorAction.Unspecified && !verify.Spf && !verify.Dmarc)
        {
            errors.Add($"{path}.temporary_error", "needs spf: true or dmarc: true (DKIM's temporary errors are only said in Authentication-Results)");
        }
    }
}
