using System.Security.Cryptography;
using System.Text;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Access;

/// <summary>
/// Named admin API tokens, one per person or tool, each with a role: kept in the store as a hash
/// only (so every replica knows them and a store reader learns nothing to present), named in the
/// audit log as <c>token NAME</c>, and revoked one at a time, at once, on every replica.
/// </summary>
internal sealed class ApiTokens(IManagerStore store, AuditLog audit, TimeProvider time)
{
    private const string Prefix = "ght_";

    /// <summary>Creates a token; the text returned is the only time anyone sees it.</summary>
    public async Task<string> CreateAsync(string name, ApiRole role, string actor, CancellationToken cancel)
    {
        // Token names go where node names go: paths, logs and the audit log.
        if (!NodeNames.IsValid(name))
        {
            throw new ChangeRejectedException($"a token name is {NodeNames.Rule}");
        }

        var token = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var record = new ApiTokenRecord { Name = name, Role = role.Name(), Hash = Hash(token), CreatedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()), CreatedBy = actor };
        if (!await store.TryAddApiTokenAsync(record, cancel))
        {
            throw new ChangeRejectedException($"there is a token named {name} already; revoke it first");
        }

        await audit.RecordAsync(actor, "api-token create", $"{name} ({role.Name()})", cancel);
        return token;
    }

    public Task<IReadOnlyList<ApiTokenRecord>> ListAsync(CancellationToken cancel) => store.ListApiTokensAsync(cancel);

    public async Task<bool> RevokeAsync(string name, string actor, CancellationToken cancel)
    {
        var removed = await store.RemoveApiTokenAsync(name, cancel);
        if (removed)
        {
            await audit.RecordAsync(actor, "api-token revoke", name, cancel);
        }

        return removed;
    }

    /// <summary>The token's name and role, or null when no such token is kept (revoked, or never made).</summary>
    public async Task<(string Name, ApiRole Role)?> FindAsync(string presented, CancellationToken cancel)
    {
        if (!presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 100)
        {
            return null;
        }

        return await store.FindApiTokenAsync(Hash(presented), cancel) is { } record && ApiRoles.Parse(record.Role) is { } role
            ? (record.Name, role)
            : null;
    }

    // The token has 256 random bits: a fast hash is as good as a slow one, and lookups stay cheap.
    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
