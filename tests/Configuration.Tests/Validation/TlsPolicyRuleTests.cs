using System.Net.Security;
using System.Security.Authentication;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Tls;
using Gatehouse.Configuration.Validation;

namespace Gatehouse.Configuration.Tests.Validation;

/// <summary>A TLS policy offers something, only what is sound, and nothing of it is accepted and ignored.</summary>
public sealed class TlsPolicyRuleTests
{
    [Theory]
    [InlineData("EXP-RC4-MD5", "export-grade")]
    [InlineData("NULL-SHA256", "do not encrypt")]
    [InlineData("RC4-SHA", "RFC 7465")]
    [InlineData("ADH-AES128-GCM-SHA256", "anonymous")]
    [InlineData("DES-CBC3-SHA", "SWEET32")]
    [InlineData("ECDHE-RSA-AES128-GCM-SHA257", "is not a TLS 1.2 suite")]
    [InlineData("TLS_AES_128_GCM_SHA256", "is not a TLS 1.2 suite")]
    public void Unsound_or_unknown_TLS_1_2_suites_are_refused_with_the_reason(string suite, string reason)
    {
        var errors = Errors(new TlsPolicy { Name = "Legacy", Tls12CipherSuites = { "ECDHE-RSA-AES128-GCM-SHA256", suite } });
        var error = Assert.Single(errors);
        Assert.Equal("tls_policies[Legacy].tls12_cipher_suites", error.Path);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_policy_that_offers_no_protocol_or_a_protocol_this_platform_refuses_is_refused()
    {
        Assert.Contains(Errors(new TlsPolicy { Name = "P", MinVersion = TlsVersion.Tls13, MaxVersion = TlsVersion.Tls12 }),
            e => e.Message.Contains("offers no protocol", StringComparison.Ordinal));
        Assert.Contains(Errors(new TlsPolicy { Name = "P", MinVersion = TlsVersion.Tls10 }),
            e => e.Path == "tls_policies[P].min_version" && e.Message.Contains("SHA-1", StringComparison.Ordinal));
    }

    [Fact]
    public void Suites_of_a_protocol_the_policy_does_not_offer_are_refused_not_ignored()
    {
        Assert.Contains(Errors(new TlsPolicy { Name = "P", MinVersion = TlsVersion.Tls13, Tls12CipherSuites = { "ECDHE-RSA-AES128-GCM-SHA256" } }),
            e => e.Path == "tls_policies[P].tls12_cipher_suites" && e.Message.Contains("never used", StringComparison.Ordinal));
        Assert.Contains(Errors(new TlsPolicy { Name = "P", MaxVersion = TlsVersion.Tls12, Tls13CipherSuites = { "TLS_AES_128_GCM_SHA256" } }),
            e => e.Path == "tls_policies[P].tls13_cipher_suites");
    }

    [Fact]
    public void Every_place_that_names_a_policy_names_one_that_exists()
    {
        var cluster = new LevelConfig
        {
            DestinationControls = { new DestinationControl { Domain = "partner.test", Tls = OutboundTls.Required, TlsPolicy = "Missing" } },
            Manager = new ManagerSettings { TlsPolicy = "Missing" },
        };
        var errors = ConfigValidator.Standard.Check(cluster, new LevelConfig()).All;
        Assert.Contains(errors, e => e.Path == "destination_controls[partner.test].tls_policy");
        Assert.Contains(errors, e => e.Path == "manager.tls_policy");
    }

    [Fact]
    public void The_built_in_default_offers_TLS_1_2_and_1_3_without_CBC_through_OpenSSLs_own_configuration()
    {
        Assert.Empty(Errors(TlsPolicies.BuiltInDefault));
        var offer = TlsPolicies.Offer([], "");
        Assert.Equal(SslProtocols.Tls12 | SslProtocols.Tls13, offer.Protocols);
        // No CipherSuitesPolicy, so that .NET keeps the TLS context and resumes sessions.
        Assert.Null(offer.Suites);
        var cipherString = OpenSslDefaults.Text.Split('\n').Single(l => l.StartsWith("CipherString = ", StringComparison.Ordinal));
        Assert.All(TlsPolicies.BuiltInDefault.Tls12CipherSuites, s => Assert.Contains(s, cipherString, StringComparison.Ordinal));
        Assert.All(TlsPolicies.BuiltInDefault.Tls12CipherSuites.Select(s => TlsCipherNames.Tls12[s]), s => Assert.DoesNotContain("CBC", s.ToString(), StringComparison.Ordinal));
        Assert.Contains("MinProtocol = TLSv1.2", OpenSslDefaults.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_TLS_1_3_only_policy_offers_TLS_1_3_only_and_one_named_default_replaces_the_built_in_one()
    {
        var only13 = new TlsPolicy { Name = "Modern", MinVersion = TlsVersion.Tls13 };
        Assert.Empty(Errors(only13));
        Assert.Equal(SslProtocols.Tls13, TlsPolicies.Offer(only13).Protocols);
        Assert.Null(TlsPolicies.Offer(only13).Suites);
        var ownDefault = new TlsPolicy { Name = "default", MaxVersion = TlsVersion.Tls12, Tls12CipherSuites = { "ECDHE-RSA-AES256-GCM-SHA384" } };
        Assert.Equal([TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384], TlsPolicies.Offer([ownDefault], "").Suites!.AllowedCipherSuites!);
    }

    private static List<ValidationError> Errors(TlsPolicy policy) =>
        [.. ConfigValidator.Standard.Check(new LevelConfig { TlsPolicies = { policy } }, new LevelConfig()).All];
}
