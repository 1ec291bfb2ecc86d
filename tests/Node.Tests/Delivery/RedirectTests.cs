using Gatehouse.Node.Delivery;

namespace Gatehouse.Node.Tests.Delivery;

public sealed class RedirectTests
{
    [Theory]
    [InlineData("mx.other.test", "[mx.other.test]:25")]
    [InlineData("mx.other.test:2525", "[mx.other.test]:2525")]
    [InlineData("[192.0.2.7]:26", "[192.0.2.7]:26")]
    [InlineData("[::1]", "[::1]:25")]
    public void What_an_admin_types_becomes_a_next_hop_key_that_reads_back(string typed, string key)
    {
        var redirect = Redirect.FromAdmin(typed);
        Assert.Equal(key, redirect?.ToString());
        Assert.Equal(redirect, Redirect.Parse(key));
    }

    [Theory]
    [InlineData("not a host!")]
    [InlineData("mx.other.test:0")]
    [InlineData("mx.other.test:70000")]
    [InlineData("")]
    public void Anything_else_is_refused(string typed) => Assert.Null(Redirect.FromAdmin(typed));

    [Fact]
    public void A_domain_is_not_a_redirect() => Assert.Null(Redirect.Parse("example.test"));
}
