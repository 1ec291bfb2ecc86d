using Gatehouse.Cluster.Membership;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Store;
using Gatehouse.Manager.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>Creates one-time join tokens pinned to the cluster CA (CL-2).</summary>
internal sealed class JoinTokens(IManagerStore store, ClusterCa ca, AuditLog audit, TimeProvider time)
{
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    public async Task<(JoinToken Token, DateTimeOffset ExpiresAt)> CreateAsync(TimeSpan lifetime, string actor, CancellationToken cancel = default)
    {
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ClusterConfig.ChangeRejectedException($"token lifetime must be between 1s and {MaxLifetime.TotalDays} days");
        }

        var token = JoinToken.Create(ca.Pin);
        var now = time.GetUtcNow();
        var expires = now + lifetime;
        await store.AddJoinTokenAsync(new JoinTokenRecord
        {
            Id = token.Id,
            SecretHash = token.SecretHash,
            CreatedAt = Timestamp.FromDateTimeOffset(now),
            ExpiresAt = Timestamp.FromDateTimeOffset(expires),
            CreatedBy = actor,
        }, cancel);
        await audit.RecordAsync(actor, "token create", $"join token {token.Id} valid until {expires:u}", cancel);
        return (token, expires);
    }
}
