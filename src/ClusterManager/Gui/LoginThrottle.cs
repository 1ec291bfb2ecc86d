using System.Threading.RateLimiting;
using Gatehouse.ClusterManager.Access;

namespace Gatehouse.ClusterManager.Gui;

/// <summary>
/// Limits on password checks beside the per-address limit of <see cref="RateLimits"/>:
/// each user name may fail 5 times, then once every 30 seconds (names that are not users share
/// one allowance, so guessing names allocates nothing), and at most two PBKDF2 computations
/// run at once, so a login flood cannot take the manager's CPU from the node streams.
/// </summary>
internal sealed class LoginThrottle(AdminUsers users) : IDisposable
{
    private const string UnknownUser = "\0unknown";

    // One bucket per real user (a set the admins control) and one for every other name, each
    // refilling on its own timer (see RateLimits.PerAddress for why not a partitioned limiter).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, TokenBucketRateLimiter> failures = new(StringComparer.Ordinal);

    private readonly ConcurrencyLimiter hashing = new(new ConcurrencyLimiterOptions { PermitLimit = 2, QueueLimit = 16 });

    /// <summary>Null when the name may not try now; otherwise whether the password is right.</summary>
    public async Task<bool?> VerifyAsync(string name, string password, CancellationToken cancel)
    {
        var partition = users.Names().Contains(name, StringComparer.Ordinal) ? name : UnknownUser;
        var bucket = failures.GetOrAdd(partition, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = 5,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(30),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using (var allowance = bucket.AttemptAcquire(0))
        {
            if (!allowance.IsAcquired)
            {
                return null;
            }
        }

        using var slot = await hashing.AcquireAsync(1, cancel);
        if (!slot.IsAcquired)
        {
            return null;
        }

        var verified = users.Verify(name, password);
        if (!verified)
        {
            bucket.AttemptAcquire().Dispose();
        }

        return verified;
    }

    public void Dispose()
    {
        foreach (var bucket in failures.Values)
        {
            bucket.Dispose();
        }

        hashing.Dispose();
    }
}
