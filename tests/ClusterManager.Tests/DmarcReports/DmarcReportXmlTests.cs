using System.Xml.Linq;
using Gatehouse.Cluster.DmarcRpt;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.DmarcReports;
using Gatehouse.Harness;

namespace Gatehouse.ClusterManager.Tests.DmarcReports;

/// <summary>
/// The cluster's DMARC report of a domain: two nodes' rows added up, written as RFC 7489
/// appendix C says (checked by xmllint against its schema), and what a node may not put in a report.
/// </summary>
public sealed class DmarcReportXmlTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("gatehouse-dmarc-xml-").FullName;

    private static readonly PublishedPolicy Reject = new("example.test", "r", "s", "reject", "quarantine", 100, "1");
    private static readonly DmarcReportingSettings Settings = new() { Enabled = true, OrganizationName = "Gatehouse <Test> & Co", Email = "dmarc-reports@cluster.test" };
    private static readonly DateTimeOffset Begin = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Rows_alike_from_two_nodes_are_one_record_and_the_report_holds_to_the_schema()
    {
        var node1 = new[] { Row("192.0.2.7", "example.test", 3), Row("2001:db8::25", "mail.example.test", 1, dkim: "pass") };
        var node2 = new[] { Row("192.0.2.7", "EXAMPLE.test", 2), Row("198.51.100.1", "other.test", 4, policy: Reject with { Domain = "other.test", P = "none", Sp = "none" }) };
        var domains = DmarcRowMerge.ByDomain(node1.Concat(node2));
        Assert.Equal(["example.test", "other.test"], domains.Keys);
        var rows = domains["example.test"];
        Assert.Equal(2, rows.Count);

        var xml = DmarcReportXml.Write(Settings, "b7a0c7c2-4d1e-4c39-a1f4-7b7f5a3d6e01", Begin, Begin.AddDays(1).AddSeconds(-1), rows);
        Assert.Equal("", await MailDmarc.SchemaProblemsAsync(work, xml));
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", xml, StringComparison.Ordinal);
        var feedback = XDocument.Parse(xml).Root!;
        Assert.Equal("Gatehouse <Test> & Co", feedback.Element("report_metadata")!.Element("org_name")!.Value);
        Assert.Equal("1796601600", feedback.Element("report_metadata")!.Element("date_range")!.Element("begin")!.Value);
        Assert.Equal("1796687999", feedback.Element("report_metadata")!.Element("date_range")!.Element("end")!.Value);
        var published = feedback.Element("policy_published")!;
        Assert.Equal(["example.test", "r", "s", "reject", "quarantine", "100", "1"], published.Elements().Select(e => e.Value));
        var records = feedback.Elements("record").ToDictionary(r => r.Element("row")!.Element("source_ip")!.Value);
        Assert.Equal("5", records["192.0.2.7"].Element("row")!.Element("count")!.Value);
        Assert.Equal("example.test", records["192.0.2.7"].Element("identifiers")!.Element("header_from")!.Value);
        // The schema's IPv6 pattern wants all eight groups.
        Assert.Equal("1", records["2001:db8:0:0:0:0:0:25"].Element("row")!.Element("count")!.Value);
        Assert.Equal("pass", records["2001:db8:0:0:0:0:0:25"].Element("row")!.Element("policy_evaluated")!.Element("dkim")!.Value);
        Assert.Equal("s1", records["2001:db8:0:0:0:0:0:25"].Element("auth_results")!.Element("dkim")!.Element("selector")!.Value);
    }

    [Fact]
    public async Task The_schema_check_finds_a_report_without_a_required_element()
    {
        var xml = DmarcReportXml.Write(Settings, "r1", Begin, Begin.AddHours(1), [Row("192.0.2.7", "example.test", 1)]);
        var broken = XDocument.Parse(xml);
        broken.Root!.Element("policy_published")!.Element("fo")!.Remove();
        Assert.Contains("fo", await MailDmarc.SchemaProblemsAsync(work, broken.ToString()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_row_a_node_may_not_report_is_left_out()
    {
        Assert.True(DmarcRowBounds.Hold(Row("192.0.2.7", "a.example.test", 1)));
        Assert.False(DmarcRowBounds.Hold(Row("192.0.2.7", "victim.test", 1)));
        Assert.False(DmarcRowBounds.Hold(Row("192.0.2.7", "evil-example.test", 1)));
        Assert.False(DmarcRowBounds.Hold(Row("not-an-address", "example.test", 1)));
        Assert.False(DmarcRowBounds.Hold(Row("192.0.2.7", "example.test", 0)));
        Assert.False(DmarcRowBounds.Hold(Row("192.0.2.7", "example.test", 1, policy: Reject with { P = "discard" })));
        Assert.False(DmarcRowBounds.Hold(Row("192.0.2.7", "example.test", 1, reason: new PolicyOverride("local_policy", "line\r\nInjected: yes"))));
        Assert.False(DmarcRowBounds.Hold(Row("192.0.2.7", "example.test", 1, reason: new PolicyOverride("bribed", null))));
    }

    public void Dispose() => Directory.Delete(work, recursive: true);

    private static DmarcRow Row(string source, string from, long count, string dkim = "fail", PublishedPolicy? policy = null, PolicyOverride? reason = null) => new()
    {
        Policy = policy ?? Reject,
        SourceIp = source,
        HeaderFrom = from,
        EnvelopeFrom = "bounce.example.net",
        Disposition = "reject",
        Dkim = dkim,
        Spf = "fail",
        Reasons = reason is null ? [] : [reason],
        DkimResults = dkim == "pass" ? [new DkimAuthResult(from, "s1", "pass")] : [],
        SpfResult = new SpfAuthResult("bounce.example.net", "mfrom", "softfail"),
        Count = count,
    };
}
