using System.Globalization;
using Gatehouse.Node.Messages;

namespace Gatehouse.Node.Smtp.Commands;

internal sealed class MailCommand : ISmtpCommand
{
    public string Verb => "MAIL";

    public SmtpState AllowedIn => SmtpState.Greeted;

    public async Task<SmtpReply> ExecuteAsync(SmtpSession session, string arguments, CancellationToken cancel)
    {
        var reply = Check(session, arguments, out var from, out var requireTls);
        if (reply is not null)
        {
            return reply;
        }

        var spf = session.Policy.Verify is { Spf: true } ? await SenderPolicy.CheckAsync(session, from, cancel) : null;
        if (spf is { Refusal: { } refusal })
        {
            return refusal;
        }

        session.BeginTransaction(from, requireTls, spf?.Outcome);
        return new SmtpReply(SmtpCode.Ok, "2.1.0", "Ok");
    }

    private static SmtpReply? Check(SmtpSession session, string arguments, out string from, out bool requireTls)
    {
        requireTls = false;
        if (!MailAddress.TryParse(arguments, "FROM", out from, out var parameters))
        {
            return Reply(SmtpCode.ArgumentSyntaxError, "5.1.7", "Syntax: MAIL FROM:<address>");
        }

        var limit = session.Policy.MaxMessagesPerConnection;
        if (limit > 0 && session.MessagesAccepted >= limit)
        {
            session.Close();
            return Reply(SmtpCode.ServiceNotAvailable, "4.7.0", "Error: too many messages in this session");
        }

        // Below the spool's reserve, or a declared size larger than what is left: later, please.
        var spare = session.Context.Space.Spare();
        if (spare <= 0 || (parameters.TryGetValue("SIZE", out var declared) && long.TryParse(declared, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > spare))
        {
            return SmtpReply.InsufficientStorage;
        }

        foreach (var (name, value) in parameters)
        {
            switch (name.ToUpperInvariant())
            {
                case "SIZE" when !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var size):
                    return Reply(SmtpCode.ArgumentSyntaxError, "5.5.4", "Bad SIZE parameter");
                case "SIZE" when session.Policy.MaxMessageSizeBytes > 0 && long.Parse(value, CultureInfo.InvariantCulture) > (long)session.Policy.MaxMessageSizeBytes:
                    return Reply(SmtpCode.ExceededStorage, "5.3.4", "Message size exceeds fixed limit");
                case "SIZE":
                    break;
                case "BODY" when value.ToUpperInvariant() is "7BIT" or "8BITMIME":
                    break;
                case "REQUIRETLS" when value.Length > 0:
                    return Reply(SmtpCode.ArgumentSyntaxError, "5.5.4", "REQUIRETLS takes no value");
                case "REQUIRETLS" when !session.IsTls:
                    return Reply(SmtpCode.AuthenticationRequired, "5.7.10", "REQUIRETLS needs a TLS session: issue STARTTLS first");
                case "REQUIRETLS":
                    requireTls = true;
                    break;
                default:
                    return Reply((SmtpCode)555, "5.5.4", $"Unsupported parameter {name}");
            }
        }

        return null;
    }

    private static SmtpReply Reply(SmtpCode code, string enhanced, string text) => new(code, enhanced, text);
}
