namespace Gatehouse.Node.Smtp;

/// <summary>Where a session is in the SMTP dialogue; commands say in which states they are allowed.</summary>
[Flags]
internal enum SmtpState
{
    None = 0,

    /// <summary>Banner sent; no EHLO/HELO yet (also after STARTTLS).</summary>
    Connected = 1,

    /// <summary>EHLO/HELO accepted; no transaction open.</summary>
    Greeted = 2,

    /// <summary>MAIL FROM accepted.</summary>
    Mail = 4,

    /// <summary>At least one RCPT TO accepted.</summary>
    Recipient = 8,

    Any = Connected | Greeted | Mail | Recipient,
}
