using System.Text.RegularExpressions;

namespace Gatehouse.Node.Delivery.DomainPolicies;

/// <summary>
/// A domain's <c>_smtp._tls</c> TXT record (RFC 8460 §3): <c>v=TLSRPTv1; rua=URI[,URI]</c>, where
/// each URI is <c>mailto:</c> or <c>https:</c>. Only a single record starting with
/// <c>v=TLSRPTv1</c> counts; any other number means the domain does not take reports.
/// </summary>
internal sealed partial record TlsRptRecord(IReadOnlyList<string> MailTo, IReadOnlyList<Uri> Https)
{
    // A record naming more is cut here: each one is a message or a POST per report.
    public const int MaxDestinations = 5;

    /// <summary>The record among the TXT strings of <c>_smtp._tls.DOMAIN</c>; a <see cref="FormatException"/> says why there is none usable.</summary>
    public static TlsRptRecord FromTxt(IEnumerable<string> txt)
    {
        var records = txt.Where(t => t.StartsWith("v=TLSRPTv1", StringComparison.Ordinal)).ToList();
        return records.Count switch
        {
            0 => throw new FormatException("no v=TLSRPTv1 record"),
            1 => Parse(records[0]),
            _ => throw new FormatException($"{records.Count} v=TLSRPTv1 records, not one"),
        };
    }

    public static TlsRptRecord Parse(string record)
    {
        var fields = record.Split(';').Select(f => f.Trim(' ', '\t')).ToList();
        if (fields[0] != "v=TLSRPTv1")
        {
            throw new FormatException("the record does not start with v=TLSRPTv1;");
        }

        var rua = fields.Skip(1).Where(f => f.StartsWith("rua=", StringComparison.Ordinal)).ToList();
        if (rua.Count != 1)
        {
            throw new FormatException(rua.Count == 0 ? "the record has no rua" : "the record has more than one rua");
        }

        var mailTo = new List<string>();
        var https = new List<Uri>();
        foreach (var uri in rua[0]["rua=".Length..].Split(',').Select(u => u.Trim(' ', '\t')).Take(MaxDestinations))
        {
            if (uri.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
            {
                // Only the address: a mailto's ?headers are not ours to add.
                var address = Uri.UnescapeDataString(uri["mailto:".Length..].Split('?')[0]);
                mailTo.Add(Address().IsMatch(address) ? address : throw new FormatException($"rua {Printable(uri)} is not a mail address"));
            }
            else if (Uri.TryCreate(uri, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps && url.HostNameType == UriHostNameType.Dns && url.UserInfo.Length == 0)
            {
                https.Add(url);
            }
            else
            {
                throw new FormatException($"rua {Printable(uri)} is neither mailto: nor an https: URL with a host name");
            }
        }

        return new TlsRptRecord(mailTo, https);
    }

    // Text from DNS reaches the manager's log and CLI: printable and short.
    private static string Printable(string text)
    {
        var shown = string.Concat(text.Take(64).Select(c => char.IsControl(c) || c > '~' ? '?' : c));
        return text.Length > 64 ? shown + "…" : shown;
    }

    [GeneratedRegex(@"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9]([A-Za-z0-9.-]{0,252})\z")]
    private static partial Regex Address();
}
