using Gatehouse.Node.Delivery.Reporting;

namespace Gatehouse.Node.Tests.Delivery;

/// <summary>The mailto: URIs of a DMARC rua= tag, with their size limits; anything else is not a destination.</summary>
public sealed class ReportUriTests
{
    [Theory]
    [InlineData("mailto:dmarc@example.test", "dmarc@example.test", "example.test", null)]
    [InlineData("MAILTO:agg@Reports.Example.test!10m", "agg@Reports.Example.test", "reports.example.test", 10L << 20)]
    [InlineData("mailto:a%2Bb@example.test!50k", "a+b@example.test", "example.test", 50L << 10)]
    [InlineData("mailto:x@example.test!1000", "x@example.test", "example.test", 1000L)]
    public void A_mailto_uri_gives_its_address_and_limit(string uri, string address, string domain, long? limit)
    {
        var parsed = ReportUri.Parse(uri);
        Assert.Equal(new ReportUri(address, domain, limit), parsed);
    }

    [Theory]
    [InlineData("https://reports.example.test/dmarc")]
    [InlineData("mailto:no-at-sign")]
    [InlineData("mailto:x@example.test!10q")]
    [InlineData("mailto:x@example.test!")]
    [InlineData("mailto:x@-bad-.test")]
    [InlineData("mailto:x@example.test%0d%0aRCPT%20TO:<victim@elsewhere.test>")]
    [InlineData("mailto:x@example.test?subject=hi")]
    [InlineData("mailto:a@b.test,c@d.test")]
    public void Anything_else_is_no_destination(string uri) => Assert.Null(ReportUri.Parse(uri));
}
