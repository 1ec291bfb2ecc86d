using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Xml;
using Gatehouse.Cluster.DmarcRpt;
using Gatehouse.Cluster.V1;

namespace Gatehouse.ClusterManager.DmarcReports;

/// <summary>
/// A DMARC aggregate report as RFC 7489 appendix C lays it out: the reporter, the day, the policy
/// published and one record per row. A domain whose record changed during the day is reported
/// under the policy most of its mail was checked against.
/// </summary>
internal static class DmarcReportXml
{
    public static string Write(DmarcReportingSettings settings, string reportId, DateTimeOffset begin, DateTimeOffset end, IReadOnlyList<DmarcRow> rows)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8, CheckCharacters = true }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("feedback");
            xml.WriteElementString("version", "1.0");
            xml.WriteStartElement("report_metadata");
            xml.WriteElementString("org_name", settings.OrganizationName);
            xml.WriteElementString("email", settings.Email);
            if (settings.ExtraContactInfo.Length > 0)
            {
                xml.WriteElementString("extra_contact_info", settings.ExtraContactInfo);
            }

            xml.WriteElementString("report_id", reportId);
            xml.WriteStartElement("date_range");
            xml.WriteElementString("begin", begin.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("end", end.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            xml.WriteEndElement();
            xml.WriteEndElement();

            var policy = rows.GroupBy(r => r.Policy).OrderByDescending(g => g.Sum(r => r.Count)).First().Key;
            xml.WriteStartElement("policy_published");
            xml.WriteElementString("domain", policy.Domain);
            xml.WriteElementString("adkim", policy.Adkim);
            xml.WriteElementString("aspf", policy.Aspf);
            xml.WriteElementString("p", policy.P);
            xml.WriteElementString("sp", policy.Sp);
            xml.WriteElementString("pct", policy.Pct.ToString(CultureInfo.InvariantCulture));
            xml.WriteElementString("fo", policy.Fo);
            xml.WriteEndElement();

            foreach (var row in rows)
            {
                WriteRecord(xml, row);
            }

            xml.WriteEndElement();
        }

        // StringBuilder output declares UTF-16; the report is sent as UTF-8.
        return text.ToString().Replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"", StringComparison.Ordinal);
    }

    private static void WriteRecord(XmlWriter xml, DmarcRow row)
    {
        xml.WriteStartElement("record");
        xml.WriteStartElement("row");
        xml.WriteElementString("source_ip", SourceIp(row.SourceIp));
        xml.WriteElementString("count", row.Count.ToString(CultureInfo.InvariantCulture));
        xml.WriteStartElement("policy_evaluated");
        xml.WriteElementString("disposition", row.Disposition);
        xml.WriteElementString("dkim", row.Dkim);
        xml.WriteElementString("spf", row.Spf);
        foreach (var reason in row.Reasons)
        {
            xml.WriteStartElement("reason");
            xml.WriteElementString("type", reason.Type);
            if (reason.Comment is { } comment)
            {
                xml.WriteElementString("comment", comment);
            }

            xml.WriteEndElement();
        }

        xml.WriteEndElement();
        xml.WriteEndElement();

        xml.WriteStartElement("identifiers");
        xml.WriteElementString("envelope_from", row.EnvelopeFrom);
        xml.WriteElementString("header_from", row.HeaderFrom);
        xml.WriteEndElement();

        xml.WriteStartElement("auth_results");
        foreach (var dkim in row.DkimResults)
        {
            xml.WriteStartElement("dkim");
            xml.WriteElementString("domain", dkim.Domain);
            if (dkim.Selector is { } selector)
            {
                xml.WriteElementString("selector", selector);
            }

            xml.WriteElementString("result", dkim.Result);
            xml.WriteEndElement();
        }

        xml.WriteStartElement("spf");
        xml.WriteElementString("domain", row.SpfResult.Domain);
        xml.WriteElementString("scope", row.SpfResult.Scope);
        xml.WriteElementString("result", row.SpfResult.Result);
        xml.WriteEndElement();
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

    // The schema's IPv6 pattern knows only the full eight-group form.
    private static string SourceIp(string text) =>
        IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? string.Join(':', Enumerable.Range(0, 8).Select(i => ((address.GetAddressBytes()[2 * i] << 8) | address.GetAddressBytes()[(2 * i) + 1]).ToString("x", CultureInfo.InvariantCulture)))
            : text;
}
