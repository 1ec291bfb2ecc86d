using Gatehouse.Node.Dns;
using Gatehouse.Node.Ldap;
using Gatehouse.Node.Logging;
using Gatehouse.Node.Metrics;
using Gatehouse.Node.Policy;
using Gatehouse.Node.Queue;
using Gatehouse.Node.UrlFiltering;

namespace Gatehouse.Node.Smtp;

/// <summary>The node-wide services every SMTP session uses, handed over as one.</summary>
internal sealed record SessionServices(
    MailLog Log, MessageSpool Spool, SpoolSpace Space, RecipientDirectory Directory, UrlVerdicts Urls, NodeMetrics Metrics, InvalidRecipients InvalidRecipients, TimeProvider Time,
    DnsClients Dns, Authentication.Dmarc.PublicSuffixList Suffixes, Authentication.Dmarc.DmarcRecorder DmarcResults, Scanning.ScannerCircuits Scanners);
