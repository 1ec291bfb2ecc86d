using Gatehouse.Node.Authentication;
using MimeKit;

namespace Gatehouse.Node.Tests.Authentication;

public sealed class AuthenticationResultsHeaderTests
{
    [Theory]
    [InlineData("mx.example.test; dkim=pass header.d=example.test", true)]
    [InlineData("MX.Example.TEST; dkim=pass", true)]
    [InlineData("  (forged (nested) comment)\r\n mx.example.test 1; spf=pass", true)]
    [InlineData("mx.example.test(comment); none", true)]
    [InlineData("mx.example.test.evil.test; dkim=pass", false)]
    [InlineData("other.test; dkim=pass header.d=mx.example.test", false)]
    [InlineData("evil.mx.example.test; dkim=pass", false)]
    public void Only_headers_whose_authserv_id_is_ours_are_taken_for_ours(string value, bool ours) =>
        Assert.Equal(ours, AuthenticationResultsHeader.ClaimsToBe(new Header("Authentication-Results", value), "mx.example.test"));

    [Fact]
    public void Other_headers_never_are_and_ours_says_every_result()
    {
        Assert.False(AuthenticationResultsHeader.ClaimsToBe(new Header("ARC-Authentication-Results", "i=1; mx.example.test; dkim=pass"), "mx.example.test"));
        Assert.False(AuthenticationResultsHeader.ClaimsToBe(new Header("X-Authentication-Results", "mx.example.test; dkim=pass"), "mx.example.test"));
        Assert.Equal("Authentication-Results: mx.example.test; dkim=pass header.d=a.test header.s=s1; dkim=fail reason=\"signature did not verify\"",
            AuthenticationResultsHeader.Format("mx.example.test", [new DkimCheck("pass", "a.test", "s1").AuthenticationResult, new DkimCheck("fail", Reason: "signature did not verify").AuthenticationResult]));
        Assert.Equal("dkim=pass header.b=\"ab/c+DEF\"", new DkimCheck("pass", SignaturePrefix: "ab/c+DEF").AuthenticationResult);
    }
}
