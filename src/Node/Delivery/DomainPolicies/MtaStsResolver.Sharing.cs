using System.Threading.Channels;
using Gatehouse.Cluster.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.Node.Delivery.DomainPolicies;

/// <summary>
/// The cluster's share of MTA-STS policies: each policy this node fetches goes to the manager,
/// which passes it on to the other nodes; a policy they fetched comes back here and is kept as if
/// fetched here — read again from its text, and only when it is newer than the one held. So the
/// policy host is asked about once for the cluster, and every node applies the same policy.
/// </summary>
internal sealed partial class MtaStsResolver
{
    // Waits for the manager while the node is not connected; the oldest go first when it is full.
    private readonly Channel<SharedMtaStsPolicy> fetched = Channel.CreateBounded<SharedMtaStsPolicy>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    /// <summary>Policies fetched here, for the manager.</summary>
    public ChannelReader<SharedMtaStsPolicy> Fetched => fetched.Reader;

    /// <summary>A policy another node fetched; true when it replaced what this node held.</summary>
    public bool Learn(SharedMtaStsPolicy shared)
    {
        var now = time.GetUtcNow();
        if (PathOf(shared.Domain) is null || shared.FetchedAt is null || shared.FetchedAt.ToDateTimeOffset() > now.AddMinutes(5))
        {
            return false;
        }

        MtaStsPolicy policy;
        try
        {
            policy = MtaStsPolicy.Parse(shared.PolicyText, shared.Id, shared.FetchedAt.ToDateTimeOffset());
        }
        catch (FormatException)
        {
            return false;
        }

        if (policy.ExpiresAt <= now || !IdField().IsMatch($"id={shared.Id}") || (Held(shared.Domain) is { } held && held.FetchedAt >= policy.FetchedAt))
        {
            return false;
        }

        Keep(shared.Domain, policy);
        log.MtaStsPolicyShared(shared.Domain, policy.Describe());
        return true;
    }

    private void Share(string domain, MtaStsPolicy policy) => fetched.Writer.TryWrite(new SharedMtaStsPolicy
    {
        Domain = domain.ToLowerInvariant(),
        Id = policy.Id,
        PolicyText = string.Join('\n', policy.Lines()) + "\n",
        FetchedAt = Timestamp.FromDateTimeOffset(policy.FetchedAt),
        ExpiresAt = Timestamp.FromDateTimeOffset(policy.ExpiresAt),
    });
}
