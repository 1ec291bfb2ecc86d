using System.Net;

namespace Gatehouse.Node.Logging;

/// <summary>
/// The mail log's lines for delivery: connections out (DCID), each attempt and how each
/// message ends. <c>DCID 0</c> names an outcome without a connection (no host answered,
/// the queue lifetime ran out), as the appliance writes it.
/// </summary>
internal sealed partial class MailLog
{
    [LoggerMessage((int)MailLogLine.NewDeliveryConnection, LogLevel.Information, "New SMTP DCID {Dcid} interface {Local} address {Address} port {Port}")]
    public partial void NewDeliveryConnection(long dcid, IPAddress local, IPAddress address, int port);

    [LoggerMessage((int)MailLogLine.ConnectionError, LogLevel.Information, "Connection Error: DCID {Dcid} domain: {Domain} IP: {Address} port: {Port} details: {Details} interface: {Interface}")]
    public partial void ConnectionError(long dcid, string domain, IPAddress address, int port, string details, string @interface);

    /// <summary>Ends at the reason; a server's answer follows on a line of its own (<see cref="ConnectionResponse"/>).</summary>
    [LoggerMessage((int)MailLogLine.DeliveryTlsFailed, LogLevel.Information, "DCID {Dcid} TLS failed: {Reason}")]
    public partial void DeliveryTlsFailed(long dcid, string reason);

    [LoggerMessage((int)MailLogLine.StartTlsNotSupported, LogLevel.Information, "DCID {Dcid} STARTTLS command not supported")]
    public partial void StartTlsNotSupported(long dcid);

    [LoggerMessage((int)MailLogLine.DeliveryTlsRequired, LogLevel.Warning, "DCID {Dcid} TLS was required but could not be successfully negotiated")]
    public partial void DeliveryTlsRequired(long dcid);

    [LoggerMessage((int)MailLogLine.DeliveryConnectionClosed, LogLevel.Information, "DCID {Dcid} close")]
    public partial void DeliveryConnectionClosed(long dcid);

    [LoggerMessage((int)MailLogLine.DeliveryTlsSucceeded, LogLevel.Information, "DCID {Dcid} TLS success protocol {Protocol} cipher {Cipher}")]
    public partial void DeliveryTlsSucceeded(long dcid, string protocol, string cipher);

    [LoggerMessage((int)MailLogLine.DeliveryTlsUnverified, LogLevel.Information, "DCID {Dcid} TLS certificate not verified, delivering encrypted: {Problem}")]
    public partial void DeliveryTlsUnverified(long dcid, string problem);

    /// <summary>The receiving server's answer that ended a connection's set-up (e.g. to STARTTLS).</summary>
    [LoggerMessage((int)MailLogLine.ConnectionResponse, LogLevel.Information, "DCID {Dcid} Response '{Response}'")]
    public partial void ConnectionResponse(long dcid, string response);

    [LoggerMessage((int)MailLogLine.CachedConnectionClosed, LogLevel.Information, "DCID {Dcid} the server closed the cached connection; a new one is opened")]
    public partial void CachedConnectionClosed(long dcid);

    [LoggerMessage((int)MailLogLine.DeliveryStart, LogLevel.Information, "Delivery start DCID {Dcid} MID {Mid} to RID [{Rids}]")]
    public partial void DeliveryStart(long dcid, long mid, string rids);

    [LoggerMessage((int)MailLogLine.MessageDone, LogLevel.Information, "Message done DCID {Dcid} MID {Mid} to RID [{Rids}]")]
    public partial void MessageDone(long dcid, long mid, string rids);

    /// <summary>The receiver's answer to the message's data, as it was given.</summary>
    [LoggerMessage((int)MailLogLine.RecipientResponse, LogLevel.Information, "MID {Mid} RID [{Rids}] Response '{Response}'")]
    public partial void RecipientResponse(long mid, string rids, string response);

    [LoggerMessage((int)MailLogLine.Bounced, LogLevel.Information, "Bounced: DCID {Dcid} MID {Mid} to RID {Rid} - {Status} - {Reason}")]
    public partial void Bounced(long dcid, long mid, int rid, string status, string reason);

    [LoggerMessage((int)MailLogLine.Delayed, LogLevel.Information, "Delayed: DCID {Dcid} MID {Mid} to RID [{Rids}] - {Status} - {Reason}")]
    public partial void Delayed(long dcid, long mid, string rids, string status, string reason);

    [LoggerMessage((int)MailLogLine.MessageFinished, LogLevel.Information, "Message finished MID {Mid} {Outcome}")]
    public partial void MessageFinished(long mid, string outcome);

    [LoggerMessage((int)MailLogLine.BounceNotSent, LogLevel.Information, "MID {Mid} bounce not sent: the message has the null sender")]
    public partial void BounceNotSent(long mid);

    [LoggerMessage((int)MailLogLine.BounceGenerated, LogLevel.Information, "MID {Mid} was generated for bounce of MID {Original}")]
    public partial void BounceGenerated(long mid, long original);

    [LoggerMessage((int)MailLogLine.ProgressNotSaved, LogLevel.Warning, "MID {Mid} delivery progress not saved ({Error}); the message stays scheduled")]
    public partial void ProgressNotSaved(long mid, string error);

    [LoggerMessage((int)MailLogLine.DestinationAnswersAgain, LogLevel.Information, "Destination {Domain} answers again: {Released} deferred messages released")]
    public partial void DestinationAnswersAgain(string domain, int released);

    [LoggerMessage((int)MailLogLine.TlsVerify, LogLevel.Information, "tlsverify {Domain}: destination control {Control}, TLS {Mode}")]
    public partial void TlsVerify(string domain, string control, string mode);

    [LoggerMessage((int)MailLogLine.MtaStsPolicyFetched, LogLevel.Information, "MTA-STS policy of {Domain} fetched: {Policy}")]
    public partial void MtaStsPolicyFetched(string domain, string policy);

    [LoggerMessage((int)MailLogLine.MtaStsPolicyFailed, LogLevel.Warning, "MTA-STS policy of {Domain} not refreshed: {Problem}")]
    public partial void MtaStsPolicyFailed(string domain, string problem);

    [LoggerMessage((int)MailLogLine.MtaStsApplied, LogLevel.Information, "MTA-STS policy of {Domain} in {Mode} mode decides: {Decision}")]
    public partial void MtaStsApplied(string domain, string mode, string decision);

    [LoggerMessage((int)MailLogLine.DaneApplied, LogLevel.Information, "DANE for {Host}: {Decision}")]
    public partial void DaneApplied(string host, string decision);

    [LoggerMessage((int)MailLogLine.PublishedPolicyOverridden, LogLevel.Warning, "MID {Mid} DCID {Dcid} delivered under {Control}, which overrides the {Policy} policy {Domain} publishes")]
    public partial void PublishedPolicyOverridden(long mid, long dcid, string control, string policy, string domain);

    [LoggerMessage((int)MailLogLine.MtaStsPolicyShared, LogLevel.Information, "MTA-STS policy of {Domain} taken from the cluster: {Policy}")]
    public partial void MtaStsPolicyShared(string domain, string policy);

    [LoggerMessage((int)MailLogLine.RequireTlsHostPassedOver, LogLevel.Information, "DCID {Dcid} not used for REQUIRETLS mail: {Reason}")]
    public partial void RequireTlsHostPassedOver(long dcid, string reason);

    [LoggerMessage((int)MailLogLine.DeliverySuspended, LogLevel.Information, "Delivery suspended for {Domain} by the administrator")]
    public partial void DeliverySuspended(string domain);

    [LoggerMessage((int)MailLogLine.DeliveryResumed, LogLevel.Information, "Delivery resumed for {Domain} by the administrator")]
    public partial void DeliveryResumed(string domain);

    [LoggerMessage((int)MailLogLine.DeletedByAdministrator, LogLevel.Information, "MID {Mid} deleted from the queue by the administrator")]
    public partial void DeletedByAdministrator(long mid);

    [LoggerMessage((int)MailLogLine.RedirectedByAdministrator, LogLevel.Information, "MID {Mid} redirected to {Target} by the administrator")]
    public partial void RedirectedByAdministrator(long mid, string target);

    [LoggerMessage((int)MailLogLine.QuarantineReleased, LogLevel.Information, "MID {Mid} released from quarantine by the administrator")]
    public partial void QuarantineReleased(long mid);
}
