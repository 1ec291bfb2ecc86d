using System.Xml;
using System.Xml.Schema;

namespace Gatehouse.Harness;

/// <summary>Checks a DMARC aggregate report against the schema of RFC 7489 appendix C.</summary>
public static class DmarcReportSchema
{
    private static readonly Lazy<XmlSchemaSet> Schemas = new(() =>
    {
        using var stream = typeof(DmarcReportSchema).Assembly.GetManifestResourceStream("rfc7489-aggregate-report.xsd")
            ?? throw new InvalidOperationException("the schema is not embedded");
        var set = new XmlSchemaSet();
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        set.Add(XmlSchema.Read(reader, null)!);
        set.Compile();
        return set;
    });

    /// <summary>What the schema finds wrong with the report; empty when it is valid.</summary>
    public static IReadOnlyList<string> Problems(string xml)
    {
        var problems = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Schemas.Value, DtdProcessing = DtdProcessing.Prohibit };
        settings.ValidationEventHandler += (_, e) => problems.Add($"line {e.Exception.LineNumber}: {e.Message}");
        using var reader = XmlReader.Create(new StringReader(xml), settings);
        while (reader.Read())
        {
        }

        return problems;
    }
}
