using System.Globalization;

namespace Gatehouse.Harness;

/// <summary>
/// DMARC aggregate reports read by software that receives them: <c>xmllint</c> against the
/// schema of RFC 7489 appendix C as Debian's <c>libmail-dmarc-perl</c> ships it, and
/// Mail::DMARC's own <c>dmarc_receive</c>, which takes a report mail apart into its SQLite store,
/// and <c>dmarc_view_reports</c>, which prints what it understood.
/// </summary>
public static class MailDmarc
{
    public const string Schema = "/usr/share/perl5/auto/share/dist/Mail-DMARC/rua-schema.xsd";

    /// <summary>
    /// What xmllint finds wrong with a report; empty when it is valid. The RFC's schema declares a
    /// targetNamespace but refers to its types without one, so no validator compiles it as
    /// published: that attribute is taken out, and elements are in no namespace, as every large
    /// mailbox provider's reports are.
    /// </summary>
    public static async Task<string> SchemaProblemsAsync(string work, string xml)
    {
        Assert(File.Exists(Schema), $"{Schema} is missing: install libmail-dmarc-perl");
        Directory.CreateDirectory(work);
        var schema = Path.Combine(work, "rfc7489-rua.xsd");
        var text = await File.ReadAllTextAsync(Schema);
        await File.WriteAllTextAsync(schema, text.Replace("targetNamespace=\"http://dmarc.org/dmarc-xml/0.1\"", "", StringComparison.Ordinal));
        var report = Path.Combine(work, $"report-{Guid.NewGuid():N}.xml");
        await File.WriteAllTextAsync(report, xml);
        var result = await ManagedProcess.RunProgramAsync("xmllint", ["--noout", "--schema", schema, report]);
        return result.ExitCode == 0 ? "" : (result.Output + result.Error).Trim();
    }

    /// <summary>The report mail through <c>dmarc_receive --file</c>, then <c>dmarc_view_reports</c>'s listing of its store.</summary>
    public static async Task<string> ReceiveAsync(string work, string message)
    {
        Directory.CreateDirectory(work);
        await File.WriteAllTextAsync(Path.Combine(work, "mail-dmarc.ini"), string.Create(CultureInfo.InvariantCulture, $"""
            [organization]
            domain = receiver.test
            org_name = Receiver
            email = dmarc@receiver.test
            [report_store]
            backend = SQL
            dsn = dbi:SQLite:dbname={Path.Combine(work, "reports.sqlite")}
            user =
            pass =
            [dmarc]
            backend = perl
            [dns]
            timeout = 5
            public_suffix_list = /usr/share/publicsuffix/public_suffix_list.dat

            """));
        var file = Path.Combine(work, $"report-{Guid.NewGuid():N}.eml");
        await File.WriteAllTextAsync(file, message);
        (await ManagedProcess.RunProgramAsync("dmarc_receive", ["--file", file], workingDirectory: work)).Succeeded();
        return (await ManagedProcess.RunProgramAsync("dmarc_view_reports", [], workingDirectory: work)).Succeeded().Output;
    }

    private static void Assert(bool holds, string message)
    {
        if (!holds)
        {
            throw new InvalidOperationException(message);
        }
    }
}
