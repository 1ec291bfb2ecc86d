using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.Configuration.Tls;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>One imported revocation list as <c>certconfig crl list</c> shows it.</summary>
internal sealed record RevocationListView(string Issuer, DateTimeOffset ThisUpdate, DateTimeOffset? NextUpdate, int Revoked, bool Overdue);

/// <summary>
/// The revocation lists an admin imports (<c>trusted_cas.crl_pem</c>), at most one per issuer:
/// a list replaces the one held for its issuer unless it is older, and it is checked as the
/// commit would check it (read whole, signed by a CA whose clients it judges) before anything
/// is staged.
/// </summary>
internal sealed class RevocationLists(ConfigurationService configuration, TimeProvider time)
{
    private const string Path = "trusted_cas.crl_pem";

    public async Task<IReadOnlyList<RevocationListView>> ListAsync(string? machine, CancellationToken cancel = default)
    {
        var level = LevelTarget.Of(machine).Read(await configuration.ReadStagedAsync(cancel));
        return [.. (level.TrustedCas?.CrlPem ?? []).Select(Read).Select(View)];
    }

    /// <summary>Stages the list (PEM or DER); what it replaced, if anything.</summary>
    public async Task<RevocationListView> ImportAsync(string? machine, byte[] data, string actor, CancellationToken cancel = default)
    {
        RevocationList imported;
        try
        {
            imported = RevocationList.Parse(data);
        }
        catch (FormatException e)
        {
            throw new ChangeRejectedException($"not a certificate revocation list: {e.Message}");
        }

        var errors = await configuration.EditLevelCheckedAsync(LevelTarget.Of(machine), level =>
        {
            level.TrustedCas ??= new Cluster.V1.TrustedCaSettings { SystemBundleEnabled = true };
            var crls = level.TrustedCas.CrlPem;
            var held = crls.Select((pem, index) => (List: Read(pem), Index: index)).FirstOrDefault(h => SameIssuer(h.List, imported));
            if (held.List is null)
            {
                crls.Add(imported.Pem);
            }
            else if (held.List.ThisUpdate > imported.ThisUpdate)
            {
                throw new ChangeRejectedException(
                    $"the list of {imported.Issuer.Name} issued {imported.ThisUpdate:yyyy-MM-dd HH:mm} UTC is older than the one held (issued {held.List.ThisUpdate:yyyy-MM-dd HH:mm} UTC)");
            }
            else
            {
                crls[held.Index] = imported.Pem;
            }

            return level;
        }, Path, actor, $"import the revocation list of {imported.Issuer.Name} ({imported.Count} revoked)", cancel);
        if (errors.Count > 0)
        {
            throw new ChangeRejectedException($"revocation list not imported: {string.Join("; ", errors.Select(e => e.Message))}");
        }

        return View(imported);
    }

    /// <summary>Stages the removal of the list of <paramref name="issuer"/> (as <c>list</c> shows it).</summary>
    public Task RemoveAsync(string? machine, string issuer, string actor, CancellationToken cancel = default) =>
        configuration.EditLevelAsync(machine, level =>
        {
            var crls = level.TrustedCas?.CrlPem;
            var index = crls?.ToList().FindIndex(pem => Read(pem).Issuer.Name == issuer) ?? -1;
            if (index < 0)
            {
                throw new ChangeRejectedException($"no revocation list of {issuer} is held at this level");
            }

            crls!.RemoveAt(index);
            return level;
        }, actor, $"remove the revocation list of {issuer}", cancel);

    // What the configuration holds was read when it was imported or committed.
    private static RevocationList Read(string pem) => RevocationList.Parse(System.Text.Encoding.ASCII.GetBytes(pem));

    private static bool SameIssuer(RevocationList a, RevocationList b) => a.Issuer.RawData.AsSpan().SequenceEqual(b.Issuer.RawData);

    private RevocationListView View(RevocationList crl) =>
        new(crl.Issuer.Name, crl.ThisUpdate, crl.NextUpdate, crl.Count, crl.NextUpdate < time.GetUtcNow());
}
