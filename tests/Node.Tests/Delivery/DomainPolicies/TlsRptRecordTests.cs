using Gatehouse.Node.Delivery.DomainPolicies;

namespace Gatehouse.Node.Tests.Delivery.DomainPolicies;

public sealed class TlsRptRecordTests
{
    [Fact]
    public void Mailto_and_https_destinations_are_read_from_a_single_record()
    {
        var record = TlsRptRecord.FromTxt(["v=spf1 -all", "v=TLSRPTv1; rua=mailto:tls%2Breports@example.net?subject=x, https://reports.example.net/v1/tlsrpt ;"]);

        Assert.Equal(["tls+reports@example.net"], record.MailTo);
        Assert.Equal("https://reports.example.net/v1/tlsrpt", Assert.Single(record.Https).ToString());
    }

    [Theory]
    [InlineData("v=TLSRPTv2; rua=mailto:a@example.net", "no v=TLSRPTv1 record")]
    [InlineData("v=TLSRPTv1", "no rua")]
    [InlineData("v=TLSRPTv1; rua=http://reports.example.net/", "neither mailto")]
    [InlineData("v=TLSRPTv1; rua=https://user@reports.example.net/", "neither mailto")]
    [InlineData("v=TLSRPTv1; rua=https://127.0.0.1/", "neither mailto")]
    [InlineData("v=TLSRPTv1; rua=mailto:a@example.net%0d%0aBcc:b@example.net", "not a mail address")]
    [InlineData("v=TLSRPTv1; rua=mailto:a@example.net; rua=mailto:b@example.net", "more than one rua")]
    public void A_record_that_cannot_be_used_says_why(string txt, string why)
    {
        var refused = Assert.Throws<FormatException>(() => TlsRptRecord.FromTxt([txt]));

        Assert.Contains(why, refused.Message);
        Assert.DoesNotContain('\r', refused.Message);
        Assert.DoesNotContain('\n', refused.Message);
    }

    [Fact]
    public void Two_records_mean_the_domain_takes_no_reports()
    {
        var refused = Assert.Throws<FormatException>(() => TlsRptRecord.FromTxt(["v=TLSRPTv1; rua=mailto:a@example.net", "v=TLSRPTv1; rua=mailto:b@example.net"]));

        Assert.Contains("2 v=TLSRPTv1 records", refused.Message);
    }

    [Fact]
    public void At_most_five_destinations_are_taken()
    {
        var record = TlsRptRecord.Parse("v=TLSRPTv1; rua=" + string.Join(',', Enumerable.Range(1, 9).Select(i => $"mailto:r{i}@example.net")));

        Assert.Equal(TlsRptRecord.MaxDestinations, record.MailTo.Count);
    }
}
