using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Files;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Validation;
using Gatehouse.Node.Model;
using Gatehouse.Node.Runtime;
using Gatehouse.Node.Tls;
using Google.Protobuf;

namespace Gatehouse.Node.Applying;

/// <summary>
/// Validate all, then swap all: a snapshot is checked with every rule (the shared ones and
/// this host's), merged, persisted as last good, and swapped in as one reference (CL-6, CL-7).
/// </summary>
internal sealed partial class SnapshotApplier(
    CurrentConfig current, NodePaths paths, NodeStatusFile status, TimeProvider time, IEnumerable<IConfigRule> hostRules,
    ILogger<SnapshotApplier> logger)
{
    private readonly ConfigValidator validator = ConfigValidator.OnNode.WithRules([new LocalAddressRule(), .. hostRules]);
    private readonly ConfigValidator validatorWithoutPorts = ConfigValidator.OnNode.WithRules([new LocalAddressRule(), .. hostRules.Where(r => r is not IPortRule)]);
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true));
    private readonly Lock gate = new();

    /// <summary>Applies the snapshot, or returns every reason it cannot be applied and changes nothing.</summary>
    public IReadOnlyList<ValidationError> Apply(Snapshot snapshot) => Apply(snapshot, alreadyApplied: false);

    private IReadOnlyList<ValidationError> Apply(Snapshot snapshot, bool alreadyApplied)
    {
        if (UnknownSettings.Problem(snapshot, BuildVersion.Text) is { } unknown)
        {
            LogRefused(logger, snapshot.Version, 1, unknown.Message);
            return [unknown];
        }

        lock (gate)
        {
            // The version this node runs, pushed again (a reconnect): nothing to check or swap.
            if (current.Snapshot is { } same && snapshot.Version == same.Version && SameLevels(snapshot, same.Source))
            {
                return [];
            }

            // A newer version that changes nothing of this node's levels (another node's machine or
            // group changed): taken as it is, not checked and applied again; listeners, certificates
            // and sessions are untouched.
            if (current.Snapshot is { } unchanged && snapshot.Version > unchanged.Version && SameLevels(snapshot, unchanged.Source))
            {
                Persist(snapshot);
                current.Swap(unchanged with { Version = snapshot.Version, CommittedAt = snapshot.CommittedAt?.ToDateTimeOffset() ?? unchanged.CommittedAt, Source = snapshot });
                status.Update(s => s with { AppliedVersion = snapshot.Version, AppliedAt = time.GetUtcNow(), LastError = "" });
                LogUnchanged(logger, snapshot.Version);
                return [];
            }

            // Never backwards: a manager replica with a stale view must not roll the node back.
            if (current.Snapshot is { } running && snapshot.Version < running.Version)
            {
                IReadOnlyList<ValidationError> older =
                    [new ValidationError { Path = "version", Message = $"version {snapshot.Version} is older than version {running.Version}, which this node runs" }];
                LogRefused(logger, snapshot.Version, 1, older[0].Message);
                return older;
            }

            var errors = Validate(snapshot, alreadyApplied ? validatorWithoutPorts : validator, out var next);
            if (errors.Count > 0)
            {
                LogRefused(logger, snapshot.Version, errors.Count, string.Join("; ", errors.Select(ValidationErrors.Format)));
                return errors;
            }

            Persist(snapshot);
            current.Swap(next!);
            status.Update(s => s with { AppliedVersion = snapshot.Version, AppliedAt = time.GetUtcNow(), LastError = "" });
            LogApplied(logger, snapshot.Version);
            return [];
        }
    }

    /// <summary>
    /// At start: runs the last good snapshot, so the node works while the manager is away (CL-7).
    /// Its ports are not checked again (<see cref="IPortRule"/>): a port taken meanwhile costs that
    /// listener, with an alert, not the whole configuration.
    /// </summary>
    public bool TryStartFromLastGood()
    {
        if (!File.Exists(paths.LastGood))
        {
            return false;
        }

        Snapshot snapshot;
        try
        {
            snapshot = JsonParser.Default.Parse<Snapshot>(File.ReadAllText(paths.LastGood));
        }
        catch (InvalidProtocolBufferException e)
        {
            LogLastGoodUnreadable(logger, paths.LastGood, e.Message);
            return false;
        }

        return Apply(snapshot, alreadyApplied: true).Count == 0;
    }

    // Owner-only: the snapshot carries private keys.
    private void Persist(Snapshot snapshot) =>
        AtomicFile.Write(paths.LastGood, System.Text.Encoding.UTF8.GetBytes(Formatter.Format(snapshot)), privateFile: true);

    private static bool SameLevels(Snapshot a, Snapshot b) =>
        Equals(a.Cluster, b.Cluster) && a.GroupName == b.GroupName && Equals(a.Group, b.Group) && Equals(a.Machine, b.Machine);

    private IReadOnlyList<ValidationError> Validate(Snapshot snapshot, ConfigValidator validator, out NodeSnapshot? next)
    {
        next = null;
        var cluster = snapshot.Cluster ?? new LevelConfig();
        (string, LevelConfig)? group = snapshot.GroupName.Length > 0 ? (snapshot.GroupName, snapshot.Group ?? new LevelConfig()) : null;
        var machine = snapshot.Machine ?? new LevelConfig();
        var errors = validator.Validate(cluster, group, machine);
        if (errors.Count > 0)
        {
            return errors;
        }

        var effective = ConfigMerge.Merge(cluster, group, machine);
        var loading = new ValidationErrors();
        var certificates = CertificateLoader.Load(effective.Config, loading);
        if (loading.IsEmpty)
        {
            var trusted = TrustedCas.Load(effective.Config.TrustedCas, out var bundleProblem);
            if (bundleProblem is not null)
            {
                LogSystemBundleUnreadable(logger, TrustedCas.SystemBundle, bundleProblem);
            }

            next = new NodeSnapshot(snapshot.Version, snapshot.CommittedAt?.ToDateTimeOffset() ?? time.GetUtcNow(), effective, snapshot, certificates, trusted);
        }

        return loading.All;
    }

    [LoggerMessage(1100, LogLevel.Information, "Applied configuration version {Version}")]
    private static partial void LogApplied(ILogger logger, long version);

    [LoggerMessage(1104, LogLevel.Information, "Version {Version} changes nothing on this node: taken without applying again")]
    private static partial void LogUnchanged(ILogger logger, long version);

    [LoggerMessage(1101, LogLevel.Error, "Refused configuration version {Version} ({Count} errors): {Errors}")]
    private static partial void LogRefused(ILogger logger, long version, int count, string errors);

    [LoggerMessage(1103, LogLevel.Warning, "The system CA bundle {Path} is unreadable ({Reason}); peers are verified against the custom CA list only")]
    private static partial void LogSystemBundleUnreadable(ILogger logger, string path, string reason);

    [LoggerMessage(1102, LogLevel.Warning, "Last good configuration {Path} is unreadable: {Reason}")]
    private static partial void LogLastGoodUnreadable(ILogger logger, string path, string reason);
}
