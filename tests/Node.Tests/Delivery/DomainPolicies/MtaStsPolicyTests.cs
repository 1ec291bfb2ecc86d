using Gatehouse.Cluster.MtaSts;
using Gatehouse.Node.Delivery.DomainPolicies;

namespace Gatehouse.Node.Tests.Delivery.DomainPolicies;

/// <summary>RFC 8461 §3.2: the policy file as the node reads it, and which MX hosts it allows.</summary>
public sealed class MtaStsPolicyTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-03T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_policy_file_with_CRLF_lines_unknown_keys_and_several_mx_reads_whole()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.backup.example.test.\r\nextension: later\r\nmax_age: 604800\r\n", "20261203", Now);

        Assert.Equal(MtaStsMode.Enforce, policy.Mode);
        Assert.Equal(["mx1.example.test", "*.backup.example.test"], policy.MxPatterns);
        Assert.Equal(TimeSpan.FromDays(7), policy.MaxAge);
        Assert.Equal(Now.AddDays(7), policy.ExpiresAt);
    }

    [Theory]
    [InlineData("MX1.Example.Test.", true)]
    [InlineData("a.backup.example.test", true)]
    [InlineData("backup.example.test", false)]
    [InlineData("a.b.backup.example.test", false)]
    [InlineData("mx1.example.test.evil.test", false)]
    [InlineData("xmx1.example.test", false)]
    public void A_wildcard_stands_for_exactly_one_left_most_label(string host, bool allowed)
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: enforce\nmx: mx1.example.test\nmx: *.backup.example.test\nmax_age: 86400\n", "1", Now);

        Assert.Equal(allowed, policy.Allows(host));
    }

    [Theory]
    [InlineData("mode: enforce\nmx: mx.example.test\nmax_age: 1\n", "version is missing")]
    [InlineData("version: STSv2\nmode: enforce\nmx: mx.example.test\nmax_age: 1\n", "not STSv1")]
    [InlineData("version: STSv1\nmode: strict\nmx: mx.example.test\nmax_age: 1\n", "mode is strict")]
    [InlineData("version: STSv1\nmode: enforce\nmax_age: 1\n", "no mx line")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: -5\n", "max_age is -5")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx.example.test\n", "max_age is missing")]
    [InlineData("version: STSv1\nmode: enforce\nmx: mx\u001b[31m.example.test\nmax_age: 1\n", "mx is mx?[31m.example.test")]
    [InlineData("<html>not a policy</html>", "not a key: value line")]
    public void A_bad_policy_is_refused_with_what_is_wrong_and_no_raw_control_bytes(string text, string problem)
    {
        var refused = Assert.Throws<FormatException>(() => MtaStsPolicy.Parse(text, "1", Now));

        Assert.Contains(problem, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', refused.Message);
    }

    [Fact]
    public void Max_age_is_capped_at_a_year_and_mode_none_needs_no_mx()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\nmode: none\nmax_age: 999999999\n", "2", Now);

        Assert.Equal(MtaStsMode.None, policy.Mode);
        Assert.Equal(TimeSpan.FromSeconds(31_557_600), policy.MaxAge);
    }
}
