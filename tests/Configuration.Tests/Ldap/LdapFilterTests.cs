using Gatehouse.Configuration.Ldap;

namespace Gatehouse.Configuration.Tests.Ldap;

/// <summary>RFC 4515 filters to RFC 4511 BER, checked byte for byte.</summary>
public sealed class LdapFilterTests
{
    [Theory]
    // equalityMatch [3] { "mail", "a@b" }
    [InlineData("(mail=a@b)", "A30B04046D61696C0403614062")]
    // present [7] "mail"
    [InlineData("(mail=*)", "87046D61696C")]
    // and [0] { equality, not [2] { present } }
    [InlineData("(&(cn=x)(!(uid=*)))", "A010A3070402636E040178A2058703756964")]
    // substrings [4] { "cn", { initial "a", any "b", final "c" } }
    [InlineData("(cn=a*b*c)", "A40F0402636E3009800161810162820163")]
    // greaterOrEqual [5], escaped value "\2a" is the byte '*'
    [InlineData("(n>=\\2a)", "A50604016E04012A")]
    public void Filters_encode_as_the_server_reads_them(string filter, string hex)
    {
        Assert.Equal(hex.Replace(" ", "", StringComparison.Ordinal), Convert.ToHexString(LdapFilter.Encode(filter)));
    }

    [Theory]
    [InlineData("mail=a", "'(' expected")]
    [InlineData("(mail=a", "')' expected")]
    [InlineData("(mail=a))", "text after the end")]
    [InlineData("(=a)", "an attribute name is expected")]
    [InlineData("(mail:dn:=a)", "extensible match filters are not supported")]
    [InlineData("(mail=a(b)", "'(' in a value must be written")]
    [InlineData("(mail=\\zz)", "two hex digits")]
    [InlineData("(&)", "'(' expected")]
    public void Malformed_filters_are_refused_with_the_reason(string filter, string reason)
    {
        var error = Assert.Throws<FormatException>(() => LdapFilter.Encode(filter));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_refused()
    {
        var filter = string.Concat(Enumerable.Repeat("(!", 40)) + "(a=b)" + new string(')', 40);

        Assert.Throws<FormatException>(() => LdapFilter.Encode(filter));
    }

    [Fact]
    public void A_recipient_is_escaped_and_substituted_once()
    {
        var filter = LdapFilter.ForRecipient("(|(mail={a})(uid={u})(dc={d}))", "*)(uid={u}@example.com");

        Assert.Equal(@"(|(mail=\2a\29\28uid={u}@example.com)(uid=\2a\29\28uid={u})(dc=example.com))", filter);
        // Still one filter of three alternatives, whatever the address held.
        Assert.Equal(0xA1, LdapFilter.Encode(filter)[0]);
    }
}
