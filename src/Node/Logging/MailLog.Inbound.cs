using System.Net;
using Gatehouse.Node.Messages;

namespace Gatehouse.Node.Logging;

/// <summary>The mail log's lines for connections in (ICID) and the messages they inject (MID).</summary>
internal sealed partial class MailLog
{
    [LoggerMessage((int)MailLogLine.NewConnection, LogLevel.Information, "New SMTP ICID {Icid} interface {InterfaceName} ({Local}) address {Address} reverse dns host {ReverseHost} verified {Verified}")]
    public partial void NewConnection(long icid, string interfaceName, IPAddress local, IPAddress address, string reverseHost, string verified);

    [LoggerMessage((int)MailLogLine.HostAccessDecided, LogLevel.Information, "ICID {Icid} {Behavior} SG {SenderGroup} match {Match} SBRS None")]
    public partial void HostAccessDecided(long icid, string behavior, string senderGroup, string match);

    [LoggerMessage((int)MailLogLine.RefusedNodeConnectionLimit, LogLevel.Warning, "ICID {Icid} refused: {Open} connections open on this node (limit {Limit}) from {Address}")]
    public partial void RefusedNodeConnectionLimit(long icid, int open, int limit, IPAddress address);

    [LoggerMessage((int)MailLogLine.RefusedAddressConnectionLimit, LogLevel.Information, "ICID {Icid} refused: {Open} concurrent connections from {Address} (limit {Limit})")]
    public partial void RefusedAddressConnectionLimit(long icid, int open, IPAddress address, long limit);

    [LoggerMessage((int)MailLogLine.ConnectionClosed, LogLevel.Information, "ICID {Icid} close")]
    public partial void ConnectionClosed(long icid);

    /// <summary>The client went away without QUIT.</summary>
    [LoggerMessage((int)MailLogLine.ConnectionLost, LogLevel.Information, "ICID {Icid} lost")]
    public partial void ConnectionLost(long icid);

    [LoggerMessage((int)MailLogLine.CommandLineTooLong, LogLevel.Information, "ICID {Icid} Receiving Failed: command line over {Limit} bytes without CRLF")]
    public partial void CommandLineTooLong(long icid, int limit);

    [LoggerMessage((int)MailLogLine.TooManyErrors, LogLevel.Information, "ICID {Icid} Receiving Failed: too many errors")]
    public partial void TooManyErrors(long icid);

    [LoggerMessage((int)MailLogLine.ReceivingTimeout, LogLevel.Warning, "ICID {Icid} Receiving Failed: timeout ({Detail})")]
    public partial void ReceivingTimeout(long icid, string detail);

    [LoggerMessage((int)MailLogLine.SessionTooLong, LogLevel.Warning, "ICID {Icid} Receiving Failed: timeout (session longer than {Seconds} s)")]
    public partial void SessionTooLong(long icid, long seconds);

    [LoggerMessage((int)MailLogLine.ListenerStopping, LogLevel.Information, "ICID {Icid} Receiving Failed: the listener is stopping")]
    public partial void ListenerStopping(long icid);

    [LoggerMessage((int)MailLogLine.ListenerStoppingMidTransaction, LogLevel.Information, "ICID {Icid} Receiving Failed: the listener is stopping; MID {Mid} not accepted")]
    public partial void ListenerStoppingMidTransaction(long icid, long mid);

    [LoggerMessage((int)MailLogLine.InboundTlsNotStarted, LogLevel.Information, "ICID {Icid} TLS was required but remote host did not initiate it")]
    public partial void InboundTlsNotStarted(long icid);

    [LoggerMessage((int)MailLogLine.PlaintextAfterStartTls, LogLevel.Warning, "ICID {Icid} discarded {Bytes} bytes of plaintext sent after STARTTLS")]
    public partial void PlaintextAfterStartTls(long icid, long bytes);

    [LoggerMessage((int)MailLogLine.InboundTlsFailed, LogLevel.Information, "ICID {Icid} TLS failed: {Reason}")]
    public partial void InboundTlsFailed(long icid, string reason);

    [LoggerMessage((int)MailLogLine.InboundTlsSucceeded, LogLevel.Information, "ICID {Icid} TLS success protocol {Protocol} cipher {Cipher}")]
    public partial void InboundTlsSucceeded(long icid, string protocol, string cipher);

    [LoggerMessage((int)MailLogLine.ClientCertificateNotVerified, LogLevel.Information, "ICID {Icid} client certificate {Subject} not verified: {Problem}")]
    public partial void ClientCertificateNotVerified(long icid, string subject, string problem);

    [LoggerMessage((int)MailLogLine.MessageStarted, LogLevel.Information, "Start MID {Mid} ICID {Icid}")]
    public partial void MessageStarted(long mid, long icid);

    [LoggerMessage((int)MailLogLine.Sender, LogLevel.Information, "MID {Mid} ICID {Icid} From: <{Sender}>")]
    public partial void Sender(long mid, long icid, string sender);

    [LoggerMessage((int)MailLogLine.RequireTlsRequested, LogLevel.Information, "MID {Mid} ICID {Icid} REQUIRETLS requested by the sender")]
    public partial void RequireTlsRequested(long mid, long icid);

    [LoggerMessage((int)MailLogLine.TlsRequiredNo, LogLevel.Information, "MID {Mid} TLS-Required: No: the recipient domains' DANE and MTA-STS policies are set aside for it")]
    public partial void TlsRequiredNo(long mid);

    [LoggerMessage((int)MailLogLine.Recipient, LogLevel.Information, "MID {Mid} ICID {Icid} RID {Rid} To: <{Recipient}>")]
    public partial void Recipient(long mid, long icid, int rid, string recipient);

    [LoggerMessage((int)MailLogLine.RecipientRejectedRouting, LogLevel.Information, "MID {Mid} ICID {Icid} To: <{Recipient}> Rejected: routing characters in local part")]
    public partial void RecipientRejectedRouting(long mid, long icid, string recipient);

    [LoggerMessage((int)MailLogLine.HarvestLimitReached, LogLevel.Warning, "MID {Mid} ICID {Icid} DHAP: {Count} recipients refused to {Client} within an hour, the limit of mail flow policy {Policy}: recipients refused")]
    public partial void HarvestLimitReached(long mid, long icid, int count, string client, string policy);

    [LoggerMessage((int)MailLogLine.TooManyRefusedRecipients, LogLevel.Information, "ICID {Icid} Receiving Failed: {Count} recipients refused in this session")]
    public partial void TooManyRefusedRecipients(long icid, int count);

    [LoggerMessage((int)MailLogLine.RecipientRejectedByRat, LogLevel.Information, "MID {Mid} ICID {Icid} To: <{Recipient}> Rejected by RAT")]
    public partial void RecipientRejectedByRat(long mid, long icid, string recipient);

    [LoggerMessage((int)MailLogLine.RecipientRejectedByLdap, LogLevel.Information, "MID {Mid} ICID {Icid} To: <{Recipient}> Rejected by LDAPACCEPT (profile {Profile})")]
    public partial void RecipientRejectedByLdap(long mid, long icid, string recipient, string profile);

    [LoggerMessage((int)MailLogLine.RecipientDeferredLdap, LogLevel.Warning, "MID {Mid} ICID {Icid} To: <{Recipient}> Deferred: LDAP accept query failed (profile {Profile}): {Detail}")]
    public partial void RecipientDeferredLdap(long mid, long icid, string recipient, string profile, string detail);

    [LoggerMessage((int)MailLogLine.MessageReady, LogLevel.Information, "MID {Mid} ready {Size} bytes from <{Sender}>")]
    public partial void MessageReady(long mid, long size, string sender);

    /// <summary>The message is on disk and handed to delivery (written before the client's <c>250</c>).</summary>
    [LoggerMessage((int)MailLogLine.QueuedForDelivery, LogLevel.Information, "MID {Mid} queued for delivery")]
    public partial void QueuedForDelivery(long mid);

    [LoggerMessage((int)MailLogLine.QueueCannotStore, LogLevel.Warning, "MID {Mid} ICID {Icid} Receiving Failed: the queue cannot store the message ({Error})")]
    public partial void QueueCannotStore(long mid, long icid, string error);

    [LoggerMessage((int)MailLogLine.MessageTooLarge, LogLevel.Information, "MID {Mid} ICID {Icid} rejected: message size exceeds {Limit} bytes")]
    public partial void MessageTooLarge(long mid, long icid, ulong limit);

    [LoggerMessage((int)MailLogLine.MailLoop, LogLevel.Warning, "MID {Mid} ICID {Icid} rejected: more than {Limit} Received headers (mail loop)")]
    public partial void MailLoop(long mid, long icid, int limit);

    [LoggerMessage((int)MailLogLine.BareLineEnding, LogLevel.Warning, "MID {Mid} ICID {Icid} rejected: bare CR or LF in message data")]
    public partial void BareLineEnding(long mid, long icid);

    /// <summary>The connection ended during DATA: nothing of the message is kept.</summary>
    [LoggerMessage((int)MailLogLine.MessageAborted, LogLevel.Information, "Message aborted MID {Mid} Receiving aborted by sender")]
    public partial void MessageAborted(long mid);

    [LoggerMessage((int)MailLogLine.MessageIdLine, LogLevel.Information, "MID {Mid} Message-ID '{MessageId}'")]
    private partial void MessageIdLine(long mid, string messageId);

    [LoggerMessage((int)MailLogLine.SubjectLine, LogLevel.Information, "MID {Mid} Subject '{Subject}'")]
    private partial void SubjectLine(long mid, string subject);

    /// <summary>The headers message tracking searches by, quoted as the appliance quotes them.</summary>
    public void MessageHeaders(long mid, TrackedHeaders headers)
    {
        if (headers.MessageId is { } id)
        {
            MessageIdLine(mid, Quoted(id));
        }

        if (headers.Subject is { } subject)
        {
            SubjectLine(mid, Quoted(subject));
        }
    }

    private static string Quoted(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);

    [LoggerMessage((int)MailLogLine.UrlFilteringUnavailableDeferred, LogLevel.Warning, "MID {Mid} URL filtering unavailable ({Detail}): deferred")]
    public partial void UrlFilteringUnavailableDeferred(long mid, string detail);

    [LoggerMessage((int)MailLogLine.UrlFilteringUnavailableDelivered, LogLevel.Warning, "MID {Mid} URL filtering unavailable ({Detail}): delivered with header")]
    public partial void UrlFilteringUnavailableDelivered(long mid, string detail);

    [LoggerMessage((int)MailLogLine.UrlRejected, LogLevel.Information, "MID {Mid} URL verdict {Verdict}: rejected")]
    public partial void UrlRejected(long mid, string verdict);

    [LoggerMessage((int)MailLogLine.UrlVerdict, LogLevel.Information, "MID {Mid} URL verdict {Verdict}")]
    public partial void UrlVerdict(long mid, string verdict);

    [LoggerMessage((int)MailLogLine.DkimSigning, LogLevel.Information, "MID {Mid} DKIM: {Detail}")]
    public partial void DkimSigning(long mid, string detail);

    [LoggerMessage((int)MailLogLine.DkimVerified, LogLevel.Information, "MID {Mid} DKIM verification: {Results}")]
    public partial void DkimVerified(long mid, string results);

    [LoggerMessage((int)MailLogLine.SpfChecked, LogLevel.Information, "MID {Mid} SPF: {Result} ({Reason})")]
    public partial void SpfChecked(long mid, string result, string reason);

    [LoggerMessage((int)MailLogLine.SpfRefused, LogLevel.Information, "ICID {Icid} SPF: fail ({Reason}): rejected")]
    public partial void SpfRefused(long icid, string reason);

    [LoggerMessage((int)MailLogLine.SpfDeferred, LogLevel.Information, "ICID {Icid} SPF: temperror ({Reason}): deferred")]
    public partial void SpfDeferred(long icid, string reason);

    [LoggerMessage((int)MailLogLine.DmarcChecked, LogLevel.Information, "MID {Mid} DMARC: {Result}")]
    public partial void DmarcChecked(long mid, string result);

    [LoggerMessage((int)MailLogLine.DmarcRefused, LogLevel.Information, "MID {Mid} DMARC: rejected per the policy of {Domain}")]
    public partial void DmarcRefused(long mid, string domain);

    [LoggerMessage((int)MailLogLine.DmarcDeferred, LogLevel.Information, "MID {Mid} DMARC: the policy of {Domain} could not be looked up: deferred")]
    public partial void DmarcDeferred(long mid, string domain);

    [LoggerMessage((int)MailLogLine.ArcVerified, LogLevel.Information, "MID {Mid} ARC: {Result}")]
    public partial void ArcVerified(long mid, string result);

    [LoggerMessage((int)MailLogLine.ArcSealed, LogLevel.Information, "MID {Mid} ARC: {Detail}")]
    public partial void ArcSealed(long mid, string detail);

    [LoggerMessage((int)MailLogLine.ContentScanned, LogLevel.Information, "MID {Mid} scanner {Scanner}: {Verdict}")]
    public partial void ContentScanned(long mid, string scanner, string verdict);

    [LoggerMessage((int)MailLogLine.ContentScanRefused, LogLevel.Information, "MID {Mid} refused by scanner {Scanner}: {Reply}")]
    public partial void ContentScanRefused(long mid, string scanner, string reply);

    [LoggerMessage((int)MailLogLine.ContentScanUnavailable, LogLevel.Warning, "MID {Mid} scanner {Scanner} unavailable ({Reason}): {Action}")]
    public partial void ContentScanUnavailable(long mid, string scanner, string reason, string action);

    [LoggerMessage((int)MailLogLine.ContentScanDiscarded, LogLevel.Information, "MID {Mid} discarded: {Reason}")]
    public partial void ContentScanDiscarded(long mid, string reason);

    [LoggerMessage((int)MailLogLine.MessageQuarantined, LogLevel.Information, "MID {Mid} quarantined: {Reason}")]
    public partial void MessageQuarantined(long mid, string reason);
}
