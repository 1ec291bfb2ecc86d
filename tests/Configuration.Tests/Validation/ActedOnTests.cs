using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Validation;
using Google.Protobuf.Reflection;

namespace Gatehouse.Configuration.Tests.Validation;

/// <summary>
/// No setting accepted and ignored: every field of the schema is on the reviewed list of fields
/// the node (or the manager, for certificate and signing key bookkeeping) acts on, or marked
/// <c>(not_acted_on)</c> so that <see cref="ActedOnRule"/> refuses it at commit.
/// </summary>
public sealed class ActedOnTests
{
    // Reviewed: each of these is read where it takes effect. A field added to the schema fails
    // this test until it works (and is added here) or is marked (not_acted_on).
    private static readonly string[] ActedOn =
    [
        "ManagerSettings: https_certificate tls_reporting tls_policy dmarc_reporting",
        "TlsPolicy: name min_version max_version tls12_cipher_suites tls13_cipher_suites",
        "TlsReportingSettings: enabled organization_name contact_info submitter",
        "DmarcReportingSettings: enabled organization_name email extra_contact_info",
        "SyslogTarget: host port tls client_certificate connect_timeout_seconds",
        "LevelConfig: certificates trusted_cas listeners sender_groups mail_flow_policies destination_controls destination_global smtp_routes ip_interfaces ldap_profiles ldap_global alert_recipients alert_settings web_security system hostname manager tls_policies signing_keys dkim_profiles content_scanners",
        "ContentScanner: name type address timeout_seconds max_message_bytes on_failure on_found",
        "SigningKey: name algorithm private_key_pem comment",
        "DkimProfile: name domain selector key headers canonicalization",
        "Certificate: name certificate_pem intermediates_pem private_key_pem demo comment pending_csr_pem pending_private_key_pem",
        "TrustedCaSettings: system_bundle_enabled custom_pem crl_pem",
        "Listener: name type interface port certificate host_access_table default_policy recipient_access_table ldap_accept_profile tls_policy",
        "RecipientAccessEntry: recipient action",
        "SenderGroup: name members policy comment",
        "MailFlowPolicy: name behavior max_message_size_bytes max_recipients_per_message max_messages_per_connection max_concurrent_connections_per_ip tls verify_client_certificate reject_banner max_invalid_recipients_per_hour drop_at_invalid_recipients_limit dkim_sign verify scanners",
        "InboundVerification: dkim spf spf_fail temporary_error dmarc dmarc_fail arc arc_seal",
        "DestinationControl: domain tls max_concurrent_connections max_messages_per_connection max_recipients_per_message idle_connection_seconds mta_sts dane override_published_policy tls_policy",
        "DestinationGlobalSettings: certificate alert_on_required_tls_failure",
        "SmtpRoute: domain hosts",
        "RouteHost: host port priority",
        "IpInterface: name address hostname https",
        "HttpsService: enabled port certificate read_token accept_client_certificates anonymous_read client_ca_pem client_subjects client_spki_sha256 tls_policy",
        "LdapProfile: name host port security base_dn bind_dn bind_password accept_query timeout_seconds cache_seconds max_connections",
        "LdapGlobalSettings: certificate",
        "AlertRecipient: address subscriptions",
        "AlertSubscription: class severities",
        "AlertSettings: from_address initial_backoff_seconds max_backoff_seconds queue_messages_alert queue_oldest_alert_minutes",
        "WebSecuritySettings: enabled service_url client_certificate timeout_seconds malicious_action fallback cache_seconds max_urls too_many_urls",
        "SystemSettings: dns_servers queue mail_log smtp",
        "SmtpServerSettings: idle_timeout_seconds session_timeout_seconds max_bad_commands tls_handshake_timeout_seconds max_connections min_data_rate_bytes_per_second data_rate_window_seconds drain_seconds max_refused_recipients error_sleep_milliseconds",
        "QueueSettings: max_queue_lifetime_seconds initial_retry_seconds max_retry_seconds reserve_bytes reserve_percent",
        "MailLogSettings: rotate_size_bytes keep_files syslog tracking_days tracking_max_messages",
    ];

    [Fact]
    public void Every_field_is_acted_on_or_refused_at_commit()
    {
        var reviewed = ActedOn.SelectMany(line => line.Split(": ")[1].Split(' ').Select(f => $"{line.Split(": ")[0]}.{f}")).ToHashSet();
        var unreviewed = Fields(LevelConfig.Descriptor, [])
            .Where(f => ActedOnRule.NotActedOn(f) is null)
            .Select(f => $"{f.ContainingType.Name}.{f.Name}")
            .Where(name => !reviewed.Contains(name))
            .ToList();

        Assert.True(unreviewed.Count == 0,
            $"not on the reviewed list: {string.Join(", ", unreviewed)}. Make the node act on each and list it, or mark it (not_acted_on) in the schema.");
    }

    [Fact]
    public void A_marked_field_is_refused_wherever_it_is_set_and_nowhere_else()
    {
        // As if the schema marked these two: one in an entity, one in a settings group.
        var rule = new ActedOnRule(f => f.FullName is "gatehouse.cluster.v1.Listener.ldap_accept_profile" or "gatehouse.cluster.v1.WebSecuritySettings.max_urls"
            ? "not there yet" : null);
        var config = new LevelConfig
        {
            Listeners = { new Listener { Name = "In", LdapAcceptProfile = "Corp" }, new Listener { Name = "Out" } },
            WebSecurity = new WebSecuritySettings { Enabled = true },
        };
        var errors = new ValidationErrors();

        rule.Check(new Configuration.Merge.EffectiveConfig(config, new Dictionary<string, ConfigLevel>()), errors);

        Assert.Equal(["listeners[In].ldap_accept_profile: not supported yet (not there yet); leave it unset"], errors.All.Select(ValidationErrors.Format));
    }

    private static IEnumerable<FieldDescriptor> Fields(MessageDescriptor type, HashSet<MessageDescriptor> seen)
    {
        if (!seen.Add(type))
        {
            yield break;
        }

        foreach (var field in type.Fields.InDeclarationOrder())
        {
            yield return field;
            if (field.FieldType == FieldType.Message && !field.IsMap)
            {
                foreach (var nested in Fields(field.MessageType, seen))
                {
                    yield return nested;
                }
            }
        }
    }
}
