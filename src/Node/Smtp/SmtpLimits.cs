using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Smtp;

/// <summary>Protocol limits in force for a session, with the defaults for unset values.</summary>
internal sealed record SmtpLimits(TimeSpan Idle, TimeSpan Session, int MaxBadCommands, TimeSpan TlsHandshake)
{
    /// <summary>RFC 5321 allows 512 octets for a command line; extensions make that longer.</summary>
    public const int MaxCommandLine = 2048;

    public static SmtpLimits From(SmtpServerSettings? settings) => new(
        Seconds(settings?.IdleTimeoutSeconds, 300),
        Seconds(settings?.SessionTimeoutSeconds, 1800),
        (int)(settings?.MaxBadCommands is > 0 ? settings.MaxBadCommands : 10),
        Seconds(settings?.TlsHandshakeTimeoutSeconds, 30));

    private static TimeSpan Seconds(uint? value, int fallback) => TimeSpan.FromSeconds(value is > 0 ? value.Value : fallback);
}
