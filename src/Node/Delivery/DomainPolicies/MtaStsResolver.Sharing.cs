using Gatehouse.Cluster.MtaSts;
using System.Threading.Channels;
using Gatehouse.Cluster.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.Node.Delivery.DomainPolicies;

/// <summary>
/// The cluster's share of MTA-STS policies: each <c>enforce</c> policy this node fetches goes to
/// the manager, which passes it on to the other nodes; a policy they fetched comes back here and
/// is kept — read again from its text, only in <c>enforce</c> mode, only when newer than the one
/// held, and under the id of one held only when as strict (a node that was broken into cannot
/// loosen what this node fetched itself). A learned policy that turns away every MX host is
/// checked at the policy host before mail waits on it (see the resolver). So the policy host is
/// asked about once for the cluster, and every node applies the same policy.
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

        var held = Held(shared.Domain);
        if (policy.Mode != MtaStsMode.Enforce || policy.ExpiresAt <= now || !IdField().IsMatch($"id={shared.Id}")
            || (held is not null && (held.FetchedAt >= policy.FetchedAt || (held.Id == policy.Id && !policy.IsAtLeastAsStrictAs(held)))))
        {
            return false;
        }

        Keep(shared.Domain, policy with { Learned = true });
        log.MtaStsPolicyShared(shared.Domain, policy.Describe());
        return true;
    }

    /// <summary>An admin purged the cluster's policy of the domain: the copy held goes too, and the next delivery fetches it.</summary>
    public void Forget(string domain)
    {
        held.TryRemove(domain, out _);
        if (PathOf(domain) is { } path)
        {
            File.Delete(path);
        }
    }

    // Only enforce policies are shared: the manager takes no other.
    private void Share(string domain, MtaStsPolicy policy)
    {
        if (policy.Mode == MtaStsMode.Enforce)
        {
            fetched.Writer.TryWrite(Shared(domain, policy));
        }
    }

    private static SharedMtaStsPolicy Shared(string domain, MtaStsPolicy policy) => new()
    {
        Domain = domain.ToLowerInvariant(),
        Id = policy.Id,
        PolicyText = string.Join('\n', policy.Lines()) + "\n",
        FetchedAt = Timestamp.FromDateTimeOffset(policy.FetchedAt),
        ExpiresAt = Timestamp.FromDateTimeOffset(policy.ExpiresAt),
    };
}
