using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>
/// System limits that would stop a node from taking any mail: a reserve of most of the disk,
/// a data rate no ordinary sender reaches, a rate window so short that one slow packet decides.
/// </summary>
public sealed class SystemLimitsRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        var queue = config.Config.System?.Queue;
        if (queue?.ReservePercent > 50)
        {
            errors.Add("system.queue.reserve_percent", $"{queue.ReservePercent} would keep most of the disk empty; at most 50");
        }

        var smtp = config.Config.System?.Smtp;
        if (smtp?.MinDataRateBytesPerSecond > 1_000_000)
        {
            errors.Add("system.smtp.min_data_rate_bytes_per_second", $"{smtp.MinDataRateBytesPerSecond} bytes/s would cut ordinary senders; at most 1000000");
        }

        if (smtp is { DataRateWindowSeconds: > 0 and < 10 })
        {
            errors.Add("system.smtp.data_rate_window_seconds", "must be at least 10 seconds, or the rate of one slow packet decides");
        }

        if (smtp is { DrainSeconds: > 300 })
        {
            errors.Add("system.smtp.drain_seconds", "at most 300: a stop must not wait longer for sessions in progress");
        }

        if (smtp is { ErrorSleepMilliseconds: > 10_000 })
        {
            errors.Add("system.smtp.error_sleep_milliseconds", $"{smtp.ErrorSleepMilliseconds} ms; at most 10000, or each pause holds a session slot longer than a client waits");
        }

        var log = config.Config.System?.MailLog;
        if (log?.Syslog is { ConnectTimeoutSeconds: > 300 })
        {
            errors.Add("system.mail_log.syslog.connect_timeout_seconds", "at most 300");
        }

        if (log?.TrackingDays > 90)
        {
            errors.Add("system.mail_log.tracking_days", $"{log.TrackingDays} days; message tracking keeps at most 90");
        }

        if (log?.TrackingMaxMessages > 10_000_000)
        {
            errors.Add("system.mail_log.tracking_max_messages", $"{log.TrackingMaxMessages} messages; message tracking keeps at most 10000000");
        }
    }
}
