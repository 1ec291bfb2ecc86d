using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Certificates;

namespace Gatehouse.ClusterManager.Hosting;

/// <summary>
/// Version 1 of a new cluster: the demo certificate, the predefined mail flow policies and
/// sender groups (IN-2, IN-3), a default destination entry and sensible queue settings.
/// </summary>
internal static class InitialConfiguration
{
    public static LevelConfig Create(TimeProvider time) => new()
    {
        Certificates = { DemoCertificate.Create(time) },
        TrustedCas = new TrustedCaSettings { SystemBundleEnabled = true },
        MailFlowPolicies =
        {
            Policy("ACCEPTED", PolicyBehavior.Accept, InboundTls.Preferred, maxRecipients: 1000, maxMessages: 1000, maxConcurrent: 50),
            Policy("BLOCKED", PolicyBehavior.Reject, InboundTls.Off),
            Policy("THROTTLED", PolicyBehavior.Accept, InboundTls.Preferred, maxRecipients: 25, maxMessages: 10, maxConcurrent: 10),
            Policy("TRUSTED", PolicyBehavior.Accept, InboundTls.Preferred, maxRecipients: 5000),
            Policy("RELAYED", PolicyBehavior.Relay, InboundTls.Preferred),
        },
        SenderGroups =
        {
            Group("WHITELIST", "TRUSTED", "Senders trusted by the administrator"),
            Group("BLACKLIST", "BLOCKED", "Senders refused with 554"),
            Group("SUSPECTLIST", "THROTTLED", "Senders held to tighter limits"),
            Group("UNKNOWNLIST", "ACCEPTED", "Everyone else on public listeners"),
            Group("RELAYLIST", "RELAYED", "Internal hosts allowed to relay through private listeners"),
        },
        DestinationControls =
        {
            new DestinationControl
            {
                Domain = "default",
                Tls = OutboundTls.Preferred,
                MaxConcurrentConnections = 500,
                MaxMessagesPerConnection = 50,
                MaxRecipientsPerMessage = 100,
            },
        },
        DestinationGlobal = new DestinationGlobalSettings { Certificate = DemoCertificate.Name },
        AlertSettings = new AlertSettings { InitialBackoffSeconds = 300, MaxBackoffSeconds = 86_400 },
        System = new SystemSettings
        {
            Queue = new QueueSettings { MaxQueueLifetimeSeconds = 5 * 86_400, InitialRetrySeconds = 60, MaxRetrySeconds = 3600 },
            MailLog = new MailLogSettings { RotateSizeBytes = 10 * 1024 * 1024, KeepFiles = 10 },
        },
    };

    private static MailFlowPolicy Policy(
        string name, PolicyBehavior behavior, InboundTls tls, uint maxRecipients = 0, uint maxMessages = 0, uint maxConcurrent = 0) => new()
    {
        Name = name,
        Behavior = behavior,
        Tls = tls,
        MaxMessageSizeBytes = 20 * 1024 * 1024,
        MaxRecipientsPerMessage = maxRecipients,
        MaxMessagesPerConnection = maxMessages,
        MaxConcurrentConnectionsPerIp = maxConcurrent,
    };

    private static SenderGroup Group(string name, string policy, string comment) =>
        new() { Name = name, Policy = policy, Comment = comment };
}
