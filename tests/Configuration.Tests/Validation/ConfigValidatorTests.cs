using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Files;
using Gatehouse.Configuration.Validation;

namespace Gatehouse.Configuration.Tests.Validation;

public sealed class ConfigValidatorTests
{
    private const string ValidCluster = """
        mail_flow_policies:
          - {name: ACCEPTED, behavior: accept, tls: preferred}
          - {name: BLOCKED, behavior: reject}
        sender_groups:
          - {name: UNKNOWNLIST, policy: ACCEPTED, members: [127.0.0.0/8, 10.0.0.1-20, .example.com, mx.example.org, "10.0.0.1-10.0.0.9"]}
        listeners:
          - {name: In, type: public, interface: Data1, port: 2525, certificate: server, host_access_table: [UNKNOWNLIST], default_policy: ACCEPTED,
             recipient_access_table: [{recipient: example.com, action: accept}]}
        destination_controls:
          - {domain: default, tls: preferred}
        system: {dns_servers: ["127.0.0.1:5353"]}
        """;

    private const string ValidMachine = """
        hostname: mx1.example.com
        ip_interfaces:
          - {name: Data1, address: 127.0.0.2, hostname: mx1.example.com}
        """;

    [Fact]
    public void A_valid_configuration_has_no_errors()
    {
        var errors = Validate(WithCertificate(Level(ValidCluster)), Level(ValidMachine));

        Assert.Empty(errors);
    }

    [Fact]
    public void System_limits_that_would_stop_all_mail_are_refused()
    {
        var cluster = WithCertificate(Level(ValidCluster));
        cluster.System.Queue = new QueueSettings { ReservePercent = 80 };
        cluster.System.Smtp = new SmtpServerSettings { MinDataRateBytesPerSecond = 5_000_000, DataRateWindowSeconds = 2 };

        var errors = Validate(cluster, Level(ValidMachine)).Select(e => e.Path).Order(StringComparer.Ordinal);

        Assert.Equal(["system.queue.reserve_percent", "system.smtp.data_rate_window_seconds", "system.smtp.min_data_rate_bytes_per_second"], errors);
    }

    [Fact]
    public void A_control_that_overrides_published_policies_is_taken_with_a_warning()
    {
        var cluster = WithCertificate(Level(ValidCluster));
        cluster.DestinationControls.Add(new DestinationControl { Domain = "partner.example", Tls = OutboundTls.Preferred, Dane = Dane.Opportunistic, OverridePublishedPolicy = true });

        var report = ConfigValidator.Standard.Check(cluster, Level(ValidMachine));

        Assert.Empty(report.All);
        var warning = Assert.Single(report.Warnings, w => w.Path.Contains("override", StringComparison.Ordinal));
        Assert.Equal("destination_controls[partner.example].override_published_policy", warning.Path);
        Assert.Contains("no longer protects", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tls_reporting_is_refused_without_who_sends_the_reports()
    {
        var cluster = WithCertificate(Level(ValidCluster));
        cluster.Manager = new ManagerSettings { TlsReporting = new TlsReportingSettings { Enabled = true, OrganizationName = "Example\u001b[2J", Submitter = "mx" } };

        var errors = ConfigValidator.Standard.Validate(cluster, Level(ValidMachine));

        Assert.Equal(
            ["manager.tls_reporting.contact_info", "manager.tls_reporting.organization_name", "manager.tls_reporting.submitter"],
            errors.Select(e => e.Path).Order());
        cluster.Manager.TlsReporting = new TlsReportingSettings { Enabled = true, OrganizationName = "Example", ContactInfo = "tls@example.com", Submitter = "mx.example.com" };
        Assert.Empty(ConfigValidator.Standard.Validate(cluster, Level(ValidMachine)));
    }

    [Theory]
    [InlineData("", "Example", "")]
    [InlineData("dmarc@mx", "Example", "")]
    [InlineData("dmarc reports@example.com", "Example", "")]
    [InlineData("dmarc@example.com\r\nBcc: x@evil.test", "Example", "")]
    [InlineData("dmarc@example.com", "", "")]
    [InlineData("dmarc@example.com", "Example", "see\u001b[2J")]
    public void Dmarc_reporting_is_refused_without_a_valid_sender(string email, string organization, string extra)
    {
        var cluster = WithCertificate(Level(ValidCluster));
        cluster.Manager = new ManagerSettings { DmarcReporting = new DmarcReportingSettings { Enabled = true, Email = email, OrganizationName = organization, ExtraContactInfo = extra } };
        Assert.Single(ConfigValidator.Standard.Validate(cluster, Level(ValidMachine)), e => e.Path.StartsWith("manager.dmarc_reporting.", StringComparison.Ordinal));
        cluster.Manager.DmarcReporting = new DmarcReportingSettings { Enabled = true, Email = "dmarc-reports@example.com", OrganizationName = "Example", ExtraContactInfo = "https://example.com/dmarc" };
        Assert.Empty(ConfigValidator.Standard.Validate(cluster, Level(ValidMachine)));
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        const string cluster = """
            hostname: cluster.example.com
            mail_flow_policies:
              - {name: P}
              - {name: Q, behavior: accept, verify_client_certificate: true}
              - {name: Q, behavior: reject}
            sender_groups:
              - {name: G, policy: MISSING, members: ["not an ip!"]}
            listeners:
              - {name: In, interface: Nowhere, port: 70000, certificate: nocert, host_access_table: [NOGROUP]}
            destination_controls:
              - {domain: "bad domain"}
            alert_recipients:
              - {address: not-an-address}
            """;

        var errors = Validate(Level(cluster), new LevelConfig()).Select(ValidationErrors.Format).ToList();

        string[] expected =
        [
            "hostname: is a machine-level setting",
            "mail_flow_policies[Q]: name 'Q' is used twice",
            "mail_flow_policies[P].behavior: is required",
            "mail_flow_policies[Q].verify_client_certificate: needs tls preferred or required",
            "sender_groups[G].policy: mail flow policy 'MISSING' does not exist",
            "sender_groups[G].members: 'not an ip!' is not",
            "listeners[In].interface: IP interface 'Nowhere' does not exist",
            "listeners[In].certificate: certificate 'nocert' does not exist",
            "listeners[In].host_access_table: sender group 'NOGROUP' does not exist",
            "listeners[In].type: is required",
            "listeners[In].port: 70000 is not a TCP port",
            "destination_controls[bad domain].tls: is required",
            "destination_controls[bad domain]: is not a domain",
            "alert_recipients[not-an-address]: is not an email address",
        ];
        foreach (var message in expected)
        {
            Assert.Contains(errors, e => e.StartsWith(message, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_certificate_whose_key_does_not_match_is_refused()
    {
        var one = TestCertificates.SelfSigned("server");
        var other = TestCertificates.SelfSigned("other");
        one.PrivateKeyPem = other.PrivateKeyPem;
        var level = new LevelConfig { Certificates = { one } };

        var error = Assert.Single(Validate(level, new LevelConfig()));

        Assert.Equal("certificates[server]", error.Path);
    }

    [Fact]
    public void Malformed_pem_is_refused()
    {
        var level = new LevelConfig
        {
            Certificates = { new Certificate { Name = "x", CertificatePem = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----", PrivateKeyPem = "junk" } },
        };

        Assert.Single(Validate(level, new LevelConfig()));
    }

    [Fact]
    public void Two_listeners_on_one_interface_and_port_collide()
    {
        var cluster = WithCertificate(Level(ValidCluster));
        cluster.Listeners.Add(new Listener { Name = "In2", Type = ListenerType.Private, Interface = "Data1", Port = 2525 });

        var errors = Validate(cluster, Level(ValidMachine));

        Assert.Contains(errors, e => e.Path == "listeners[In2].port" && e.Message.Contains("already used by listener 'In'", StringComparison.Ordinal));
    }

    [Fact]
    public void Extra_rules_run_after_the_standard_ones()
    {
        var validator = ConfigValidator.Standard.WithRules(new AlwaysFails());

        var errors = validator.Validate(new LevelConfig(), new LevelConfig());

        Assert.Equal("host", Assert.Single(errors).Path);
    }

    private sealed class AlwaysFails : IConfigRule
    {
        public void Check(Gatehouse.Configuration.Merge.EffectiveConfig config, ValidationErrors errors) => errors.Add("host", "refused");
    }

    [Fact]
    public void LDAP_profiles_the_node_cannot_use_are_refused()
    {
        var cluster = WithCertificate(Level(ValidCluster + """

            ldap_profiles:
              - {name: Good, host: ldap.example.com, security: starttls, bind_dn: 'cn=gw', bind_password: s, base_dn: 'dc=example', accept_query: '(mail={a})'}
              - {name: Bad, host: 'not a host', security: none, bind_password: s, timeout_seconds: 600, accept_query: '(mail=x)(uid={u}'}
            """));

        var errors = Validate(cluster, Level(ValidMachine)).Select(ValidationErrors.Format).ToList();

        Assert.DoesNotContain(errors, e => e.StartsWith("ldap_profiles[Good]", StringComparison.Ordinal));
        Assert.Contains("ldap_profiles[Bad].host: 'not a host' is not a host name or address", errors);
        Assert.Contains("ldap_profiles[Bad].bind_password: a password needs a bind DN", errors);
        Assert.Contains("ldap_profiles[Bad].security: a bind password is never sent in clear: use ldaps or starttls", errors);
        Assert.Contains("ldap_profiles[Bad].timeout_seconds: at most 60", errors);
        Assert.Contains(errors, e => e.StartsWith("ldap_profiles[Bad].accept_query: not an LDAP filter: text after the end", StringComparison.Ordinal));
    }

    [Fact]
    public void URL_filtering_needs_an_https_verdict_service()
    {
        var machine = Level(ValidMachine + """

            web_security: {enabled: true, service_url: 'http://urls.example.com/?key=x', timeout_seconds: 600}
            """);

        var errors = Validate(WithCertificate(Level(ValidCluster)), machine).Select(ValidationErrors.Format).ToList();

        Assert.Contains(errors, e => e.StartsWith("web_security.service_url: 'http://urls.example.com/?key=x' is not an https URL", StringComparison.Ordinal));
        Assert.Contains("web_security.timeout_seconds: at most 60", errors);
    }

    [Fact]
    public void An_action_for_a_check_that_does_not_run_dmarc_without_its_inputs_and_a_seal_without_a_profile_are_refused()
    {
        var cluster = Level(ValidCluster.Replace("{name: BLOCKED, behavior: reject}", "{name: BLOCKED, behavior: reject}\n  - {name: CHECKED, behavior: accept, verify: {dkim: true, spf_fail: reject, temporary_error: defer, dmarc_fail: tag}}\n  - {name: HALF, behavior: accept, verify: {spf: true, dmarc: true}}\n  - {name: ALL, behavior: accept, verify: {spf: true, dkim: true, dmarc: true, spf_fail: tag, dmarc_fail: reject, temporary_error: defer}}\n  - {name: SEALED, behavior: accept, verify: {arc_seal: Nowhere}}", StringComparison.Ordinal));

        var errors = Validate(WithCertificate(cluster), Level(ValidMachine)).Select(ValidationErrors.Format).ToList();

        Assert.Equal(["mail_flow_policies[CHECKED].verify.spf_fail: needs spf: true",
            "mail_flow_policies[CHECKED].verify.dmarc_fail: needs dmarc: true",
            "mail_flow_policies[CHECKED].verify.temporary_error: needs spf: true or dmarc: true (DKIM's temporary errors are only said in Authentication-Results)",
            "mail_flow_policies[HALF].verify.dmarc: needs spf: true and dkim: true (its result is built from both)",
            "mail_flow_policies[SEALED].verify.arc_seal: needs arc: true (the seal's cv= is the chain's result)",
            "mail_flow_policies[SEALED].verify.arc_seal: 'Nowhere' is not one of dkim_profiles"], errors);
    }

    [Fact]
    public void A_content_scanner_is_refused_until_its_type_where_it_is_and_what_failure_does_are_said()
    {
        var cluster = Level(ValidCluster.Replace("{name: BLOCKED, behavior: reject}", "{name: BLOCKED, behavior: reject}\n  - {name: SCANNED, behavior: accept, scanners: [Spam, Missing]}", StringComparison.Ordinal)
            + "\ncontent_scanners:\n  - {name: Spam, type: rspamd, address: \"127.0.0.1:11333\", on_failure: defer, on_found: tag}\n  - {name: Virus, address: \"[::1]:8891\", on_failure: tag}\n  - {name: Dkim, type: milter, address: \"[::1]:8891\", on_failure: tag}\n  - {name: Bad, type: rspamd, address: \"host\\nRCPT:25\", timeout_seconds: 301}\n");

        var errors = Validate(WithCertificate(cluster), Level(ValidMachine)).Select(ValidationErrors.Format).ToList();

        Assert.Equal(
        [
            "content_scanners[Bad].address: 'host\\u000ARCPT:25' is not host:port or [address]:port",
            "content_scanners[Bad].on_failure: is required (accept, tag or defer)",
            "content_scanners[Bad].timeout_seconds: at most 300 (the SMTP client waits that long for its answer)",
            "content_scanners[Spam].on_found: is clamd's (rspamd's actions and a milter's replies are their own)",
            "content_scanners[Virus].type: is required (rspamd, clamd or milter)",
            "mail_flow_policies[SCANNED].scanners: content scanner 'Missing' does not exist",
        ], errors.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Signing_without_a_profile_is_taken_with_a_warning()
    {
        var cluster = Level(ValidCluster.Replace("{name: BLOCKED, behavior: reject}", "{name: BLOCKED, behavior: reject}\n  - {name: SIGNED, behavior: relay, dkim_sign: true}", StringComparison.Ordinal));

        var report = ConfigValidator.Standard.Check(WithCertificate(cluster), Level(ValidMachine));

        Assert.Empty(report.All);
        Assert.Contains("mail_flow_policies[SIGNED].dkim_sign: no dkim_profiles: mail accepted under this policy goes out unsigned", report.Warnings.Select(ValidationErrors.Format));
    }

    private static IReadOnlyList<ValidationError> Validate(LevelConfig cluster, LevelConfig machine) =>
        ConfigValidator.Standard.Validate(cluster, machine);

    private static LevelConfig WithCertificate(LevelConfig level)
    {
        level.Certificates.Add(TestCertificates.SelfSigned("server"));
        return level;
    }

    private static LevelConfig Level(string yaml) => ConfigFileReader.ReadLevel(yaml, "test.yaml");
}
