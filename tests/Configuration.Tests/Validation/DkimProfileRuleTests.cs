using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Dkim;
using Gatehouse.Configuration.Validation;

namespace Gatehouse.Configuration.Tests.Validation;

/// <summary>A DKIM profile is refused at commit, with the reason, unless the node can sign with it as it says.</summary>
public sealed class DkimProfileRuleTests
{
    private static readonly SigningKey Key = new() { Name = "k", Algorithm = "ed25519", PrivateKeyPem = DkimKey.Generate("ed25519") };

    [Fact]
    public void A_sound_profile_passes()
    {
        Assert.Empty(Errors(new DkimProfile { Name = "P", Domain = "example.test", Selector = "s1", Key = "k", Headers = { "From", "Subject" }, Canonicalization = "relaxed/simple" }));
    }

    [Theory]
    [InlineData("domain", "localhost", "s1", "k", "", "", "is not a domain name")]
    [InlineData("domain", "exa mple.test", "s1", "k", "", "", "is not a domain name")]
    [InlineData("selector", "example.test", "s 1", "k", "", "", "is not a selector")]
    [InlineData("key", "example.test", "s1", "missing", "", "", "no signing key named 'missing'")]
    [InlineData("canonicalization", "example.test", "s1", "k", "simple/simple", "", "folds header lines anew")]
    [InlineData("canonicalization", "example.test", "s1", "k", "relaxed", "", "is not relaxed/relaxed or relaxed/simple")]
    [InlineData("headers", "example.test", "s1", "k", "", "Subject", "must include From")]
    [InlineData("headers", "example.test", "s1", "k", "", "From:x", "is not a header field name")]
    public void What_the_node_could_not_sign_with_is_refused(string field, string domain, string selector, string key, string canonicalization, string header, string reason)
    {
        var profile = new DkimProfile { Name = "P", Domain = domain, Selector = selector, Key = key, Canonicalization = canonicalization };
        if (header.Length > 0)
        {
            profile.Headers.Add(header);
        }

        var error = Assert.Single(Errors(profile));
        Assert.Equal($"dkim_profiles[P].{field}", error.Path);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_profiles_for_one_domain_and_a_signing_key_that_is_not_a_key_are_refused()
    {
        var errors = ConfigValidator.Standard.Check(new LevelConfig
        {
            SigningKeys = { Key, new SigningKey { Name = "broken", Algorithm = "rsa", PrivateKeyPem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" } },
            DkimProfiles = { new DkimProfile { Name = "A", Domain = "example.test", Selector = "a", Key = "k" }, new DkimProfile { Name = "B", Domain = "EXAMPLE.test", Selector = "b", Key = "k" } },
        }, new LevelConfig()).All;

        Assert.Contains(errors, e => e.Path == "dkim_profiles[B].domain" && e.Message.Contains("has another profile", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "signing_keys[broken].private_key_pem");
    }

    private static List<ValidationError> Errors(DkimProfile profile) =>
        [.. ConfigValidator.Standard.Check(new LevelConfig { SigningKeys = { Key }, DkimProfiles = { profile } }, new LevelConfig()).All];
}
