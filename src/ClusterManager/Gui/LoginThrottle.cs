using System.Threading.RateLimiting;

namespace Gatehouse.ClusterManager.Gui;

/// <summary>
/// Limits on password checks beside the per-address limit of <see cref="Hosting.RateLimits"/>:
/// each user name may fail 5 times, then once every 30 seconds (names that are not users share
/// one allowance, so guessing names allocates nothing), and at most two PBKDF2 computations
/// run at once, so a login flood cannot take the manager's CPU from the node streams.
/// </summary>
internal sealed class LoginThrottle(AdminUsers users) : IDisposable
{
    private const string UnknownUser = "\0unknown";

    private readonly PartitionedRateLimiter<string> failures = PartitionedRateLimiter.Create<string, string>(name =>
        RateLimitPartition.GetTokenBucketLimiter(name, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = 5,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(30),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    private readonly ConcurrencyLimiter hashing = new(new ConcurrencyLimiterOptions { PermitLimit = 2, QueueLimit = 16 });

    /// <summary>Null when the name may not try now; otherwise whether the password is right.</summary>
    public async Task<bool?> VerifyAsync(string name, string password, CancellationToken cancel)
    {
        var partition = users.Names().Contains(name, StringComparer.Ordinal) ? name : UnknownUser;
        using (var allowance = failures.AttemptAcquire(partition, 0))
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
            failures.AttemptAcquire(partition).Dispose();
        }

        return verified;
    }

    public void Dispose()
    {
        failures.Dispose();
        hashing.Dispose();
    }
}
