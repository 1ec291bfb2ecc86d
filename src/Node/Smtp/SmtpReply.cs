namespace Gatehouse.Node.Smtp;

/// <summary>SMTP reply codes (RFC 5321 section 4.2.3).</summary>
internal enum SmtpCode
{
    SystemStatus = 211,
    ServiceReady = 220,
    ServiceClosing = 221,
    Ok = 250,
    CannotVerify = 252,
    StartMailInput = 354,
    ServiceNotAvailable = 421,
    MailboxBusy = 450,
    LocalError = 451,
    InsufficientStorage = 452,
    TemporaryTlsError = 454,
    SyntaxError = 500,
    ArgumentSyntaxError = 501,
    NotImplemented = 502,
    BadSequence = 503,
    ParameterNotImplemented = 504,
    AuthenticationRequired = 530,
    MailboxUnavailable = 550,
    ExceededStorage = 552,
    TransactionFailed = 554,
}

/// <summary>One reply: code, enhanced status code (RFC 3463) and text; several lines for EHLO.</summary>
internal sealed record SmtpReply(SmtpCode Code, string Enhanced, params string[] Lines)
{
    public bool IsPositive => (int)Code < 400;

    /// <summary>Wire form; the enhanced code goes on every line when the client may see it (RFC 2034).</summary>
    public string Format(bool enhanced)
    {
        var builder = new System.Text.StringBuilder();
        for (var i = 0; i < Lines.Length; i++)
        {
            builder.Append((int)Code).Append(i < Lines.Length - 1 ? '-' : ' ');
            if (enhanced && Enhanced.Length > 0)
            {
                builder.Append(Enhanced).Append(' ');
            }

            builder.Append(Lines[i]).Append("\r\n");
        }

        return builder.ToString();
    }

    public static readonly SmtpReply Ok = new(SmtpCode.Ok, "2.0.0", "Ok");
    public static readonly SmtpReply BadSequence = new(SmtpCode.BadSequence, "5.5.1", "Error: bad sequence of commands");
    public static readonly SmtpReply Unrecognized = new(SmtpCode.SyntaxError, "5.5.2", "Error: command not recognized");
    public static readonly SmtpReply LineTooLong = new(SmtpCode.SyntaxError, "5.5.2", "Error: line too long");
    public static readonly SmtpReply BareLineFeed = new(SmtpCode.SyntaxError, "5.5.2", "Error: bare <LF> received; lines must end with <CR><LF>");
    public static readonly SmtpReply ControlCharacter = new(SmtpCode.SyntaxError, "5.5.2", "Error: control character in command");
    public static readonly SmtpReply MustStartTls = new(SmtpCode.AuthenticationRequired, "5.7.0", "Must issue a STARTTLS command first");
    public static readonly SmtpReply TooManyErrors = new(SmtpCode.ServiceNotAvailable, "4.7.0", "Error: too many errors");
    public static readonly SmtpReply InsufficientStorage = new(SmtpCode.InsufficientStorage, "4.3.1", "Insufficient system storage; try again later");
    public static readonly SmtpReply ShuttingDown = new(SmtpCode.ServiceNotAvailable, "4.3.2", "Service shutting down, closing transmission channel");
    public static readonly SmtpReply Timeout = new(SmtpCode.ServiceNotAvailable, "4.4.2", "Error: timeout exceeded");
    public static readonly SmtpReply Bye = new(SmtpCode.ServiceClosing, "2.0.0", "Bye");
}
