using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Configuration.Merge;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.ClusterConfig;

/// <summary>
/// Staging, commit, history and rollback (CL-4, CL-5). Every change lands in the one
/// pending change set; only commit makes a version, after validating every node.
/// </summary>
internal sealed partial class ConfigurationService(
    IManagerStore store, SecretBox secrets, VersionSignal signal, AuditLog audit, TimeProvider time)
{
    private const string ClusterTarget = "cluster";

    /// <summary>
    /// Stages one level: the cluster level, or the machine level of <paramref name="machine"/>.
    /// The level is replaced, or with <paramref name="merge"/> the given entities and groups
    /// are laid over it by name, as machine level is laid over cluster level.
    /// </summary>
    public Task StageLevelAsync(
        string? machine, LevelConfig level, string actor, string description, bool merge = false, CancellationToken cancel = default) =>
        StageLevelAsync(LevelTarget.Of(machine), level, actor, description, merge, cancel);

    /// <summary>Stages one level (cluster, group or machine), replaced or with <paramref name="merge"/> laid over by name.</summary>
    public Task StageLevelAsync(
        LevelTarget target, LevelConfig level, string actor, string description, bool merge = false, CancellationToken cancel = default)
    {
        RefuseUnusableSecrets(level);
        return EditLevelAsync(target, current => merge ? ConfigMerge.Merge(current, level).Config : level, actor, description, cancel);
    }

    /// <summary>
    /// Stages a change made by <paramref name="edit"/> to one level as it stands now (pending,
    /// else committed), secrets in plain text. An exception from the edit stages nothing.
    /// </summary>
    public Task EditLevelAsync(
        string? machine, Func<LevelConfig, LevelConfig> edit, string actor, string description, CancellationToken cancel = default) =>
        EditLevelAsync(LevelTarget.Of(machine), edit, actor, description, cancel);

    public async Task EditLevelAsync(
        LevelTarget target, Func<LevelConfig, LevelConfig> edit, string actor, string description, CancellationToken cancel = default)
    {
        if (target.Name is { } name)
        {
            RefuseBadName(name);
        }

        await StageAsync(pending =>
        {
            var current = secrets.OpenAt(target.Read(pending.Content), target.SecretPath);
            target.Write(pending.Content, secrets.SealAt(edit(current), target.SecretPath));
        }, actor, description, cancel);
    }

    /// <summary>
    /// Like <see cref="EditLevelAsync"/>, but first validates the result as commit would and
    /// stages nothing when there are errors under <paramref name="pathPrefix"/> (the part of
    /// the configuration being edited); those errors are returned, for the form that made them.
    /// </summary>
    public async Task<IReadOnlyList<CommitError>> EditLevelCheckedAsync(
        LevelTarget target, Func<LevelConfig, LevelConfig> edit, string pathPrefix, string actor, string description, CancellationToken cancel = default)
    {
        var candidate = (await ReadStagedAsync(cancel)).Clone();
        target.Write(candidate, edit(target.Read(candidate).Clone()));

        var (errors, _) = await ValidateAsync(candidate, cancel);
        // A group's errors come back as "group DC1: PATH" on each member.
        errors = [.. errors.Select(e => e with { Path = e.Path.StartsWith($"group {target.Name}: ", StringComparison.Ordinal) ? e.Path[($"group {target.Name}: ").Length..] : e.Path })];
        var relevant = errors.Where(e => e.Path == pathPrefix || e.Path.StartsWith(pathPrefix + ".", StringComparison.Ordinal) || e.Path.StartsWith(pathPrefix + "[", StringComparison.Ordinal))
            .DistinctBy(e => (e.Path, e.Message)).ToList();
        if (relevant.Count == 0)
        {
            await EditLevelAsync(target, edit, actor, description, cancel);
        }

        return relevant;
    }

    /// <summary>The whole configuration as staged (pending, else committed), secrets in plain text.</summary>
    public async Task<ConfigurationSet> ReadStagedAsync(CancellationToken cancel = default)
    {
        var content = (await store.GetPendingAsync(cancel))?.Content ?? (await store.GetLatestAsync(cancel)).Content;
        var open = secrets.Open(content);
        open.Cluster ??= new LevelConfig();
        return open;
    }

    /// <summary>The whole committed configuration, secrets in plain text.</summary>
    public async Task<ConfigurationSet> ReadCommittedAsync(CancellationToken cancel = default)
    {
        var open = secrets.Open((await store.GetLatestAsync(cancel)).Content);
        open.Cluster ??= new LevelConfig();
        return open;
    }

    /// <summary>
    /// The whole committed configuration for a file (CL-8): private keys and passwords masked
    /// (the file cannot be loaded back), encrypted with a passphrase, or in plain text.
    /// </summary>
    public async Task<ConfigurationSet> ExportAsync(string keys, string? passphrase, string actor, CancellationToken cancel = default)
    {
        var latest = await store.GetLatestAsync(cancel);
        var open = secrets.Open(latest.Content);
        var exported = keys switch
        {
            "mask" => Gatehouse.Configuration.Secrets.SecretFields.Transform(open, _ => Gatehouse.Configuration.Secrets.SecretFields.Mask),
            "plain" => open,
            "encrypt" when passphrase is { Length: >= 8 } => PassphraseSecrets.Encrypt(open, passphrase),
            "encrypt" => throw new ChangeRejectedException("keys encrypted with a passphrase need a passphrase of at least 8 characters"),
            _ => throw new ChangeRejectedException("keys must be mask, encrypt or plain"),
        };
        if (keys != "mask")
        {
            // Private keys left the manager: who took them, and how, is on record.
            await audit.RecordAsync(actor, "saveconfig", $"version {latest.Version} exported with keys {keys}", cancel);
        }

        return exported;
    }

    /// <summary>Stages a whole configuration (all levels), as loaded from a saveconfig file.</summary>
    public async Task StageAllAsync(ConfigurationSet content, string actor, string description, CancellationToken cancel = default)
    {
        RefuseUnusableSecrets(content);
        foreach (var name in content.Machines.Keys.Concat(content.Groups.Keys).Concat(content.Groups.Values.SelectMany(g => g.Members)))
        {
            RefuseBadName(name);
        }

        var sealedContent = secrets.Seal(content);
        sealedContent.Cluster ??= new LevelConfig();
        await StageAsync(pending => pending.Content = sealedContent.Clone(), actor, description, cancel);
    }

    public async Task<ChangesView> ShowChangesAsync(CancellationToken cancel = default)
    {
        var latest = await store.GetLatestAsync(cancel);
        var pending = await store.GetPendingAsync(cancel);
        if (pending is null)
        {
            return new ChangesView(latest.Version, [], []);
        }

        var differences = ConfigDiff.Describe(secrets.Open(latest.Content), secrets.Open(pending.Content));
        var changes = pending.Changes.Select(c => new ChangeEntry(c.Author, c.At.ToDateTimeOffset(), c.Description)).ToList();
        return new ChangesView(pending.BaseVersion, changes, differences);
    }

    public async Task ClearChangesAsync(string actor, CancellationToken cancel = default)
    {
        await store.ClearPendingAsync(cancel);
        await audit.RecordAsync(actor, "clearchanges", "pending changes discarded", cancel);
    }

    /// <summary>Validates every node's effective configuration and commits, or changes nothing.</summary>
    public async Task<CommitResult> CommitAsync(string comment, string actor, CancellationToken cancel = default)
    {
        var pending = await store.GetPendingAsync(cancel) ?? throw new ChangeRejectedException("there are no pending changes to commit");
        var latest = await store.GetLatestAsync(cancel);
        if (pending.BaseVersion != latest.Version)
        {
            throw new ChangeRejectedException(
                $"version {latest.Version} was committed after these changes were staged on version {pending.BaseVersion}; review them with showchanges, clearchanges and stage again");
        }

        var (errors, warnings) = await ValidateAsync(pending.Content, cancel);
        if (errors.Count > 0)
        {
            return new CommitResult(null, errors, warnings);
        }

        var next = NewVersion(latest.Version + 1, pending.Content, actor, comment);
        if (!await store.TryCommitAsync(next, clearPendingAt: pending.Revision, cancel))
        {
            throw new ChangeRejectedException((await store.GetLatestAsync(cancel)).Version != latest.Version
                ? "another commit was made at the same time; review with showchanges and commit again"
                : "a change was staged while this commit was checked; review with showchanges and commit again");
        }

        signal.Publish();
        await audit.RecordAsync(actor, "commit", $"version {next.Version}: {comment} ({string.Join("; ", pending.Changes.Select(c => c.Description))})", cancel);
        return new CommitResult(next.Version, [], warnings);
    }

    /// <summary>Stages the content of an earlier version (CL-5); it is committed like any change.</summary>
    public async Task RollbackAsync(long version, string actor, CancellationToken cancel = default)
    {
        var target = await store.GetVersionAsync(version, cancel)
            ?? throw new ChangeRejectedException($"version {version} does not exist (see history)");
        await StageAsync(pending => pending.Content = target.Content.Clone(), actor, $"rollback to the content of version {version}", cancel);
    }

    /// <summary>
    /// Deletes a machine level at once, as a version of its own (CL-3), and drops it from
    /// the pending changes too. Returns the number of machine-level entities deleted.
    /// </summary>
    public async Task<int> DeleteMachineLevelAsync(string machine, string actor, CancellationToken cancel = default)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var latest = await store.GetLatestAsync(cancel);
            var member = latest.Content.Groups.Values.Any(g => g.Members.Contains(machine));
            if (!latest.Content.Machines.TryGetValue(machine, out var level) && !member)
            {
                await DropFromPendingAsync(machine, latest.Version, latest.Version, cancel);
                return 0;
            }

            // The machine level and the membership go; the group's own settings stay for its other members.
            var content = latest.Content.Clone();
            content.Machines.Remove(machine);
            foreach (var group in content.Groups.Values)
            {
                group.Members.Remove(machine);
            }

            var next = NewVersion(latest.Version + 1, content, actor, $"node {machine} removed: machine-level configuration deleted");
            if (await store.TryCommitAsync(next, clearPendingAt: null, cancel))
            {
                await DropFromPendingAsync(machine, latest.Version, next.Version, cancel);
                signal.Publish();
                return level is null ? 0 : MachineSettings.Count(level);
            }
        }

        throw new ChangeRejectedException("could not delete the machine level: commits keep racing; try again");
    }

    private async Task DropFromPendingAsync(string machine, long expectedBase, long newBase, CancellationToken cancel)
    {
        for (var attempt = 0; attempt < SaveAttempts; attempt++)
        {
            var pending = await store.GetPendingAsync(cancel);
            if (pending is null || pending.BaseVersion != expectedBase)
            {
                return;
            }

            pending.Content.Machines.Remove(machine);
            foreach (var group in pending.Content.Groups.Values)
            {
                group.Members.Remove(machine);
            }

            pending.BaseVersion = newBase;
            if (await store.TrySavePendingAsync(pending, cancel))
            {
                return;
            }
        }

        throw new ChangeRejectedException(Busy);
    }

    private async Task<PendingChanges> GetOrStartPendingAsync(CancellationToken cancel)
    {
        var pending = await store.GetPendingAsync(cancel);
        if (pending is not null)
        {
            return pending;
        }

        var latest = await store.GetLatestAsync(cancel);
        return new PendingChanges { BaseVersion = latest.Version, Content = latest.Content.Clone() };
    }

    /// <summary>
    /// Applies one edit to the pending changes and saves them if nobody saved in between; else
    /// reads them again and applies the edit again, so two edits at the same moment (GUI and
    /// CLI, two replicas) both land.
    /// </summary>
    private async Task StageAsync(Action<PendingChanges> edit, string actor, string description, CancellationToken cancel)
    {
        for (var attempt = 0; attempt < SaveAttempts; attempt++)
        {
            var pending = await GetOrStartPendingAsync(cancel);
            edit(pending);
            pending.Changes.Add(new ChangeRecord { Author = actor, At = Now(), Description = description });
            if (await store.TrySavePendingAsync(pending, cancel))
            {
                await audit.RecordAsync(actor, "stage", description, cancel);
                return;
            }
        }

        throw new ChangeRejectedException(Busy);
    }

    private const int SaveAttempts = 10;
    private const string Busy = "the pending changes keep changing under this edit; try again";

    private ConfigVersion NewVersion(long version, ConfigurationSet content, string actor, string comment) => new()
    {
        Version = version,
        Author = actor,
        CommittedAt = Now(),
        Comment = comment,
        Content = content,
    };

    private Timestamp Now() => Timestamp.FromDateTimeOffset(time.GetUtcNow());

    private static void RefuseUnusableSecrets<T>(T message)
        where T : Google.Protobuf.IMessage<T>
    {
        var unusable = PassphraseSecrets.Unusable(message).ToList();
        if (unusable.Count > 0)
        {
            throw new ChangeRejectedException(
                $"the configuration holds {string.Join(" and ", unusable)} private keys or passwords; load a file saved with --keys encrypt (and give its passphrase) or --keys plain");
        }
    }

    private static void RefuseBadName(string machine)
    {
        if (!NodeNames.IsValid(machine))
        {
            throw new ChangeRejectedException($"'{machine}' is not a valid node name ({NodeNames.Rule})");
        }
    }
}
