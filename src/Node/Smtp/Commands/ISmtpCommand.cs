namespace Gatehouse.Node.Smtp.Commands;

/// <summary>One SMTP command: the states it is allowed in, and what it does.</summary>
internal interface ISmtpCommand
{
    string Verb { get; }

    SmtpState AllowedIn { get; }

    /// <summary>Allowed before STARTTLS when the policy requires TLS (IN-4).</summary>
    bool AllowedBeforeTls => false;

    Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel);
}
