using System.Net;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Tls;
using Gatehouse.Node.Ldap;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Model;
using Gatehouse.Node.Policy;
using Gatehouse.Node.Queue;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Smtp;

/// <summary>Everything a session is started with; it keeps this snapshot to the end (IN-1).</summary>
internal sealed record SessionContext(
    NodeSnapshot Snapshot, Listener Listener, IpInterface Interface, IPEndPoint Remote, long Icid,
    ReverseName Reverse, AccessDecision Access, SessionServices Services)
{
    public MailLog Log => Services.Log;

    public MessageSpool Spool => Services.Spool;

    public SpoolSpace Space => Services.Space;

    public RecipientDirectory Directory => Services.Directory;

    public NodeMetrics Metrics => Services.Metrics;

    public Policy.InvalidRecipients InvalidRecipients => Services.InvalidRecipients;

    public TimeProvider Time => Services.Time;

    public SmtpLimits Limits { get; } = SmtpLimits.From(Snapshot.Config.System?.Smtp);

    public ServerCertificate? Certificate => Snapshot.Certificate(Listener.Certificate);

    public TlsOffer TlsOffer => TlsPolicies.Offer(Snapshot.Config.TlsPolicies, Listener.TlsPolicy);

    public string HostName => Interface.Hostname.Length > 0 ? Interface.Hostname : Snapshot.HostName;
}
