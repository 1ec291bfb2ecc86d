using Gatehouse.Cluster.V1;

namespace Gatehouse.Node.Smtp;

/// <summary>Protocol limits in force for a session, with the defaults for unset values.</summary>
internal sealed record SmtpLimits(
    TimeSpan Idle, TimeSpan Session, int MaxBadCommands, TimeSpan TlsHandshake, int MaxConnections, int MinDataRate, TimeSpan DataRateWindow, TimeSpan Drain,
    int MaxRefusedRecipients, TimeSpan ErrorSleep)
{
    /// <summary>RFC 5321 allows 512 octets for a command line; extensions make that longer.</summary>
    public const int MaxCommandLine = 2048;

    /// <summary>An unfinished line past this is no client error but an attack on memory: refused and closed.</summary>
    public const int MaxBufferedLine = MaxCommandLine + 2048;

    /// <summary>More <c>Received:</c> headers than this is a mail loop (Postfix's hopcount_limit).</summary>
    public const int MaxReceivedHeaders = 50;

    // The limits of the settings in force, made once per version rather than once per session.
    // One object, so that a session never reads one version's settings with another's limits.
    private static Cached? last;

    public static SmtpLimits From(SmtpServerSettings? settings)
    {
        if (Volatile.Read(ref last) is { } cached && ReferenceEquals(cached.Settings, settings))
        {
            return cached.Limits;
        }

        var limits = Make(settings);
        Volatile.Write(ref last, new Cached(settings, limits));
        return limits;
    }

    private sealed record Cached(SmtpServerSettings? Settings, SmtpLimits Limits);

    private static SmtpLimits Make(SmtpServerSettings? settings) => new(
        Seconds(settings?.IdleTimeoutSeconds, 300),
        Seconds(settings?.SessionTimeoutSeconds, 1800),
        (int)(settings?.MaxBadCommands is > 0 ? settings.MaxBadCommands : 10),
        Seconds(settings?.TlsHandshakeTimeoutSeconds, 30),
        (int)(settings?.MaxConnections is > 0 ? settings.MaxConnections : 1000),
        (int)(settings?.MinDataRateBytesPerSecond is > 0 ? settings.MinDataRateBytesPerSecond : 100),
        Seconds(settings?.DataRateWindowSeconds, 60),
        Seconds(settings?.DrainSeconds, 30),
        (int)(settings?.MaxRefusedRecipients is > 0 ? settings.MaxRefusedRecipients : 20),
        TimeSpan.FromMilliseconds(settings?.ErrorSleepMilliseconds is > 0 ? settings.ErrorSleepMilliseconds : 1000));

    /// <summary>The longest drain a configuration may ask for; the node's stop waits a little longer.</summary>
    public const int MaxDrainSeconds = 300;

    private static TimeSpan Seconds(uint? value, int fallback) => TimeSpan.FromSeconds(value is > 0 ? value.Value : fallback);
}
