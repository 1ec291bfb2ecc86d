using System.Net;
using System.Threading.RateLimiting;
using Gatehouse.ClusterManager.Access;

namespace Gatehouse.ClusterManager.Gui;

/// <summary>
/// Limits on password checks beside the per-address limit of <see cref="RateLimits"/>: a user
/// name may fail 5 times from one address, then once every 30 seconds — from that address only,
/// so failures from elsewhere cannot lock an admin out. A name that is no user is held to exactly
/// the same limits, so the answers do not tell which names exist. At most two PBKDF2 computations
/// run at once, so a login flood cannot take the manager's CPU from the node streams.
/// </summary>
internal sealed class LoginThrottle(AdminUsers users) : IDisposable
{
    // Pairs remembered at most; past it all are forgotten at once (no timer per pair piles up).
    private const int MaxPairs = 10_000;

    // One bucket per (address, name), each refilling on its own timer (see RateLimits.PerAddress
    // for why not a partitioned limiter).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Address, string Name), TokenBucketRateLimiter> failures = new();

    private readonly ConcurrencyLimiter hashing = new(new ConcurrencyLimiterOptions { PermitLimit = 2, QueueLimit = 16 });

    /// <summary>Null when the name may not try now from that address; otherwise whether the password is right.</summary>
    public async Task<bool?> VerifyAsync(string name, IPAddress? address, string password, CancellationToken cancel)
    {
        if (failures.Count >= MaxPairs)
        {
            Forget();
        }

        var bucket = failures.GetOrAdd((address?.ToString() ?? "", name), _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
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

        var verified = await users.VerifyAsync(name, password, cancel);
        if (!verified)
        {
            bucket.AttemptAcquire().Dispose();
        }

        return verified;
    }

    public void Dispose()
    {
        Forget();
        hashing.Dispose();
    }

    private void Forget()
    {
        foreach (var key in failures.Keys)
        {
            if (failures.TryRemove(key, out var bucket))
            {
                bucket.Dispose();
            }
        }
    }
}
