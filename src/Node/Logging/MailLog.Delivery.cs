using System.Net;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Node.Logging;

/// <summary>
/// The mail log's lines for delivery: connections out (DCID), each attempt and how each
/// message ends. <c>DCID 0</c> names an outcome without a connection (no host answered,
/// the queue lifetime ran out), as the appliance writes it.
/// </summary>
internal sealed partial class MailLog
{
    [LoggerMessage(200, LogLevel.Information, "New SMTP DCID {Dcid} interface {Local} address {Address} port {Port}")]
    public partial void NewDeliveryConnection(long dcid, IPAddress local, IPAddress address, int port);

    [LoggerMessage(201, LogLevel.Information, "Connection Error: DCID {Dcid} domain: {Domain} IP: {Address} port: {Port} details: {Details} interface: {Interface}")]
    public partial void ConnectionError(long dcid, string domain, IPAddress address, int port, string details, string @interface);

    /// <summary>Ends at the reason; a server's answer follows on a line of its own (<see cref="ConnectionResponse"/>).</summary>
    [LoggerMessage(202, LogLevel.Information, "DCID {Dcid} TLS failed: {Reason}")]
    public partial void DeliveryTlsFailed(long dcid, string reason);

    [LoggerMessage(203, LogLevel.Information, "DCID {Dcid} STARTTLS command not supported")]
    public partial void StartTlsNotSupported(long dcid);

    [LoggerMessage(204, LogLevel.Warning, "DCID {Dcid} TLS was required but could not be successfully negotiated")]
    public partial void DeliveryTlsRequired(long dcid);

    [LoggerMessage(205, LogLevel.Information, "DCID {Dcid} close")]
    public partial void DeliveryConnectionClosed(long dcid);

    [LoggerMessage(206, LogLevel.Information, "DCID {Dcid} TLS success protocol {Protocol} cipher {Cipher}")]
    public partial void DeliveryTlsSucceeded(long dcid, string protocol, string cipher);

    [LoggerMessage(207, LogLevel.Information, "DCID {Dcid} TLS certificate not verified, delivering encrypted: {Problem}")]
    public partial void DeliveryTlsUnverified(long dcid, string problem);

    /// <summary>The receiving server's answer that ended a connection's set-up (e.g. to STARTTLS).</summary>
    [LoggerMessage(208, LogLevel.Information, "DCID {Dcid} Response '{Response}'")]
    public partial void ConnectionResponse(long dcid, string response);

    [LoggerMessage(209, LogLevel.Information, "DCID {Dcid} the server closed the cached connection; a new one is opened")]
    public partial void CachedConnectionClosed(long dcid);

    [LoggerMessage(210, LogLevel.Information, "Delivery start DCID {Dcid} MID {Mid} to RID [{Rids}]")]
    public partial void DeliveryStart(long dcid, long mid, string rids);

    [LoggerMessage(211, LogLevel.Information, "Message done DCID {Dcid} MID {Mid} to RID [{Rids}]")]
    public partial void MessageDone(long dcid, long mid, string rids);

    /// <summary>The receiver's answer to the message's data, as it was given.</summary>
    [LoggerMessage(212, LogLevel.Information, "MID {Mid} RID [{Rids}] Response '{Response}'")]
    public partial void RecipientResponse(long mid, string rids, string response);

    [LoggerMessage(213, LogLevel.Information, "Bounced: DCID {Dcid} MID {Mid} to RID {Rid} - {Status} - {Reason}")]
    public partial void Bounced(long dcid, long mid, int rid, string status, string reason);

    [LoggerMessage(214, LogLevel.Information, "Delayed: DCID {Dcid} MID {Mid} to RID [{Rids}] - {Status} - {Reason}")]
    public partial void Delayed(long dcid, long mid, string rids, string status, string reason);

    [LoggerMessage(215, LogLevel.Information, "Message finished MID {Mid} {Outcome}")]
    public partial void MessageFinished(long mid, string outcome);

    [LoggerMessage(216, LogLevel.Information, "MID {Mid} bounce not sent: the message has the null sender")]
    public partial void BounceNotSent(long mid);

    [LoggerMessage(217, LogLevel.Information, "MID {Mid} was generated for bounce of MID {Original}")]
    public partial void BounceGenerated(long mid, long original);

    [LoggerMessage(218, LogLevel.Warning, "MID {Mid} delivery progress not saved ({Error}); the message stays scheduled")]
    public partial void ProgressNotSaved(long mid, string error);

    [LoggerMessage(219, LogLevel.Information, "Destination {Domain} answers again: {Released} deferred messages released")]
    public partial void DestinationAnswersAgain(string domain, int released);

    [LoggerMessage(220, LogLevel.Information, "tlsverify {Domain}: destination control {Control}, TLS {Mode}")]
    public partial void TlsVerify(string domain, string control, string mode);

    [LoggerMessage(225, LogLevel.Information, "MTA-STS policy of {Domain} fetched: {Policy}")]
    public partial void MtaStsPolicyFetched(string domain, string policy);

    [LoggerMessage(226, LogLevel.Warning, "MTA-STS policy of {Domain} not refreshed: {Problem}")]
    public partial void MtaStsPolicyFailed(string domain, string problem);

    [LoggerMessage(227, LogLevel.Information, "MTA-STS policy of {Domain} in {Mode} mode decides: {Decision}")]
    public partial void MtaStsApplied(string domain, string mode, string decision);

    [LoggerMessage(228, LogLevel.Information, "DANE for {Host}: {Decision}")]
    public partial void DaneApplied(string host, string decision);

    [LoggerMessage(229, LogLevel.Warning, "MID {Mid} DCID {Dcid} delivered under {Control}, which overrides the {Policy} policy {Domain} publishes")]
    public partial void PublishedPolicyOverridden(long mid, long dcid, string control, string policy, string domain);

    [LoggerMessage(231, LogLevel.Information, "MTA-STS policy of {Domain} taken from the cluster: {Policy}")]
    public partial void MtaStsPolicyShared(string domain, string policy);

    [LoggerMessage(230, LogLevel.Information, "DCID {Dcid} not used for REQUIRETLS mail: {Reason}")]
    public partial void RequireTlsHostPassedOver(long dcid, string reason);

    [LoggerMessage(221, LogLevel.Information, "Delivery suspended for {Domain} by the administrator")]
    public partial void DeliverySuspended(string domain);

    [LoggerMessage(222, LogLevel.Information, "Delivery resumed for {Domain} by the administrator")]
    public partial void DeliveryResumed(string domain);

    [LoggerMessage(223, LogLevel.Information, "MID {Mid} deleted from the queue by the administrator")]
    public partial void DeletedByAdministrator(long mid);

    [LoggerMessage(224, LogLevel.Information, "MID {Mid} redirected to {Target} by the administrator")]
    public partial void RedirectedByAdministrator(long mid, string target);
}
