using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Gatehouse.Jobs;

/// <summary>
/// The periods of the periodic jobs: a job's own default, unless the configuration section
/// <c>Jobs</c> names another under the job's class name (environment <c>Jobs__NodeWatch=00:00:02</c>).
/// Tests shorten them this way; an admin rarely needs to. A value that is not a positive
/// period stops the start with a clear error rather than being ignored.
/// </summary>
public sealed class JobPeriods(IConfiguration configuration)
{
    public const string Section = "Jobs";

    /// <summary>Every job at its default period.</summary>
    public static JobPeriods Defaults { get; } = new(new ConfigurationBuilder().Build());

    public TimeSpan For(string job, TimeSpan fallback) => Read(configuration, Section, job, fallback);

    /// <summary>A positive period from <paramref name="section"/>:<paramref name="key"/>, or the fallback when unset.</summary>
    public static TimeSpan Read(IConfiguration configuration, string section, string key, TimeSpan fallback)
    {
        if (configuration.GetSection(section)[key] is not { } text)
        {
            return fallback;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var period) && period > TimeSpan.Zero
            ? period
            : throw new InvalidOperationException($"{section}:{key} must be a positive period such as 00:00:30, not '{text}'");
    }
}
