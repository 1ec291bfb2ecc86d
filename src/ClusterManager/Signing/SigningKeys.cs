using System.Security.Cryptography;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.Configuration.Dkim;

namespace Gatehouse.ClusterManager.Signing;

/// <summary>One signing key as <c>signingkeys list</c> shows it: never its private half.</summary>
internal sealed record SigningKeyView(string Name, string Algorithm, int Bits, string PublicKeySha256, string Comment);

/// <summary>
/// The DKIM signing keys (<c>signing_keys</c>, cluster level): made on the manager or imported,
/// kept encrypted like certificates' keys, staged until commit, and published by the admin
/// with the TXT record <see cref="RecordAsync"/> prints. A node receives only those of the
/// DKIM profiles, and only when one of its mail flow policies signs.
/// </summary>
internal sealed class SigningKeys(ConfigurationService configuration)
{
    private const string Path = "signing_keys";

    public async Task<IReadOnlyList<SigningKeyView>> ListAsync(CancellationToken cancel = default) =>
        [.. (await ClusterLevelAsync(cancel)).SigningKeys.Select(View)];

    /// <summary>Stages a new key of <paramref name="kind"/> (<c>rsa-2048</c>, <c>rsa-3072</c>, <c>ed25519</c>).</summary>
    public Task<SigningKeyView> CreateAsync(string name, string kind, string? comment, string actor, CancellationToken cancel = default)
    {
        string pem;
        try
        {
            pem = DkimKey.Generate(kind);
        }
        catch (FormatException e)
        {
            throw new ChangeRejectedException(e.Message);
        }

        return AddAsync(name, pem, comment, actor, "new", cancel);
    }

    /// <summary>Stages a key the admin brings (PEM, unencrypted).</summary>
    public Task<SigningKeyView> ImportAsync(string name, string pem, string? comment, string actor, CancellationToken cancel = default) =>
        AddAsync(name, pem, comment, actor, "import", cancel);

    public async Task<DkimRecord> RecordAsync(string name, string domain, string selector, CancellationToken cancel = default)
    {
        var entry = Find(await ClusterLevelAsync(cancel), name);
        try
        {
            return DkimRecord.For(DkimKey.Read(entry.PrivateKeyPem), domain, selector);
        }
        catch (FormatException e)
        {
            throw new ChangeRejectedException(e.Message);
        }
    }

    /// <summary>
    /// Stages a DKIM profile's rotation to a new selector and key; the commit then checks that the
    /// new key is published (<see cref="DkimPublication"/>). The old record may go once mail
    /// signed with it has been delivered and checked (a few days).
    /// </summary>
    public Task RotateAsync(string profile, string selector, string key, string actor, CancellationToken cancel = default) =>
        configuration.EditLevelAsync(LevelTarget.Cluster, level =>
        {
            var entry = level.DkimProfiles.FirstOrDefault(p => string.Equals(p.Name, profile, StringComparison.OrdinalIgnoreCase))
                ?? throw new ChangeRejectedException($"there is no DKIM profile named {profile}");
            var signingKey = Find(level, key);
            if (!DkimRecord.IsLabels(selector))
            {
                throw new ChangeRejectedException($"'{selector}' is not a selector: dot-separated labels of letters, digits and hyphens");
            }

            if (string.Equals(entry.Selector, selector, StringComparison.OrdinalIgnoreCase))
            {
                throw new ChangeRejectedException($"profile {entry.Name} signs with selector {selector} already: a rotation takes a new one, so that the old record stays valid for mail on its way");
            }

            entry.Selector = selector;
            entry.Key = signingKey.Name;
            return level;
        }, actor, $"rotate DKIM profile {profile} to selector {selector} with key {key}", cancel);

    /// <summary>Stages the key's removal; refused while a DKIM profile signs with it.</summary>
    public Task DeleteAsync(string name, string actor, CancellationToken cancel = default) =>
        configuration.EditLevelAsync(LevelTarget.Cluster, level =>
        {
            var key = Find(level, name);
            if (level.DkimProfiles.Where(p => p.Key.Equals(key.Name, StringComparison.OrdinalIgnoreCase)).Select(p => p.Name).ToList() is [_, ..] users)
            {
                throw new ChangeRejectedException($"signing key {key.Name} is in use by DKIM profile {string.Join(", ", users)}");
            }

            level.SigningKeys.Remove(key);
            return level;
        }, actor, $"delete signing key {name}", cancel);

    private async Task<SigningKeyView> AddAsync(string name, string pem, string? comment, string actor, string how, CancellationToken cancel)
    {
        DkimKey key;
        try
        {
            key = DkimKey.Read(pem);
        }
        catch (FormatException e)
        {
            throw new ChangeRejectedException($"signing key not {(how == "new" ? "made" : "imported")}: {e.Message}");
        }

        var entry = new SigningKey { Name = name, Algorithm = key.Algorithm, PrivateKeyPem = key.ToPkcs8Pem(), Comment = comment ?? "" };
        var errors = await configuration.EditLevelCheckedAsync(LevelTarget.Cluster, level =>
        {
            if (level.SigningKeys.Any(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new ChangeRejectedException($"a signing key named {name} exists; delete it first or choose another name");
            }

            level.SigningKeys.Add(entry);
            return level;
        }, Path, actor, $"{how} signing key {name} ({Describe(key)})", cancel);
        return errors.Count > 0
            ? throw new ChangeRejectedException($"signing key not staged: {string.Join("; ", errors.Select(e => $"{e.Path}: {e.Message}"))}")
            : View(entry);
    }

    private async Task<LevelConfig> ClusterLevelAsync(CancellationToken cancel) => LevelTarget.Cluster.Read(await configuration.ReadStagedAsync(cancel));

    private static SigningKey Find(LevelConfig level, string name) =>
        level.SigningKeys.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ChangeRejectedException($"there is no signing key named {name}");

    private static string Describe(DkimKey key) => key.Algorithm == DkimKey.Rsa ? $"RSA {key.Bits} bits" : "Ed25519";

    private static SigningKeyView View(SigningKey entry)
    {
        var key = DkimKey.Read(entry.PrivateKeyPem);
        return new(entry.Name, key.Algorithm, key.Bits, Convert.ToHexStringLower(SHA256.HashData(key.PublicKey))[..16], entry.Comment);
    }
}
