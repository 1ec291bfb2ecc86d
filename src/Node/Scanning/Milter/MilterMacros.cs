using System.Globalization;

namespace Gatehouse.Node.Scanning.Milter;

/// <summary>
/// The macros sent before each event: those Postfix sends by default (its <c>milter_*_macros</c>),
/// or the ones the milter asked for at that stage (a v6 milter may), among those the node knows.
/// Values are what Postfix would give: <c>j</c> the host name, <c>i</c> the MID, <c>_</c>
/// "name [address]", <c>{mail_addr}</c>/<c>{rcpt_addr}</c> the addresses, and so on.
/// </summary>
internal sealed class MilterMacros(MilterEnvelope envelope, string version, IReadOnlyDictionary<MilterStage, string[]> requested)
{
    private static readonly Dictionary<MilterStage, string[]> Defaults = new()
    {
        [MilterStage.Connect] = ["j", "{daemon_name}", "{daemon_addr}", "v", "_"],
        [MilterStage.Helo] = ["{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}"],
        [MilterStage.Mail] = ["i", "{auth_type}", "{auth_authen}", "{auth_author}", "{mail_addr}", "{mail_host}", "{mail_mailer}"],
        [MilterStage.Recipient] = ["i", "{rcpt_addr}", "{rcpt_host}", "{rcpt_mailer}"],
        [MilterStage.Data] = ["i"],
        [MilterStage.EndOfHeaders] = ["i"],
        [MilterStage.EndOfMessage] = ["i"],
    };

    /// <summary>Names and values for a stage; a macro without a value (no TLS, say) is left out as Postfix does.</summary>
    public string[] For(MilterStage stage, string? recipient = null)
    {
        var names = requested.TryGetValue(stage, out var asked) ? asked : Defaults[stage];
        var pairs = new List<string>();
        foreach (var name in names)
        {
            if (Value(name, recipient) is { Length: > 0 } value)
            {
                pairs.Add(name);
                pairs.Add(value);
            }
        }

        return [.. pairs];
    }

    /// <summary>A stage's list as a milter sends it: names separated by spaces, long names with or without braces.</summary>
    public static string[] Parse(string list) =>
        [.. list.Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(64).Select(n => n.Length > 1 && !n.StartsWith('{') ? $"{{{n}}}" : n)];

    private string? Value(string name, string? recipient)
    {
        var scan = envelope.Scan;
        var client = scan.ReverseName ?? "unknown";
        return name switch
        {
            "j" or "{j}" => envelope.HostName,
            "v" or "{v}" => version,
            "_" or "{_}" => $"{client} [{scan.ClientAddress}]",
            "i" or "{i}" => scan.Mid.ToString(CultureInfo.InvariantCulture),
            "{daemon_name}" => envelope.DaemonName,
            "{daemon_addr}" => envelope.DaemonAddress,
            "{client_addr}" => scan.ClientAddress,
            "{client_port}" => envelope.ClientPort.ToString(CultureInfo.InvariantCulture),
            "{client_name}" => client,
            "{client_ptr}" => scan.ReverseName,
            "{tls_version}" => envelope.TlsVersion,
            "{cipher}" => envelope.Cipher,
            "{cipher_bits}" => CipherBits(envelope.Cipher),
            "{cert_subject}" => envelope.CertificateSubject,
            "{cert_issuer}" => envelope.CertificateIssuer,
            "{mail_addr}" => scan.MailFrom,
            "{mail_host}" => Domain(scan.MailFrom),
            "{mail_mailer}" => "smtp",
            "{rcpt_addr}" => recipient,
            "{rcpt_host}" => recipient is null ? null : Domain(recipient),
            "{rcpt_mailer}" => recipient is null ? null : "smtp",
            _ => null,
        };
    }

    private static string? Domain(string address) => address.LastIndexOf('@') is var at and >= 0 ? address[(at + 1)..] : null;

    // The key length of the cipher suite's bulk cipher, as Postfix reports it.
    private static string? CipherBits(string? cipher) => cipher switch
    {
        null => null,
        _ when cipher.Contains("AES_128", StringComparison.Ordinal) => "128",
        _ when cipher.Contains("AES_256", StringComparison.Ordinal) || cipher.Contains("CHACHA20", StringComparison.Ordinal) => "256",
        _ => null,
    };
}
