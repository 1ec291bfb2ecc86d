using System.Net;
using System.Threading.RateLimiting;

namespace Gatehouse.ClusterManager.Access;

/// <summary>
/// The anonymous doors of the manager — the GUI login and the join RPC — admit a few tries per
/// source address and then one at a time with a growing wait: a token bucket that refills
/// slowly. Refused calls cost no password hash, no signature and no store write.
/// </summary>
internal static class RateLimits
{
    public const string Login = "login";
    public const string Join = "join";

    public static void AddRateLimits(this IServiceCollection services) => services.AddRateLimiter(options =>
    {
        options.AddPolicy(Login, context => HttpMethods.IsPost(context.Request.Method)
            ? PerAddress(context, tokens: 10, every: TimeSpan.FromSeconds(20))
            : RateLimitPartition.GetNoLimiter(""));
        options.AddPolicy(Join, context => PerAddress(context, tokens: 20, every: TimeSpan.FromSeconds(10)));
        options.OnRejected = (rejected, _) => Refuse(rejected.HttpContext, rejected.Lease);
    });

    // A bucket that refills on its own timer. RateLimitPartition.GetTokenBucketLimiter hands
    // refilling to the partitioned limiter's heartbeat, which was measured to refill within
    // a fraction of the period; LoginThrottleTests would catch that again.
    private static RateLimitPartition<string> PerAddress(HttpContext context, int tokens, TimeSpan every) =>
        RateLimitPartition.Get(Source(context), _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokens,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = every,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    // IPv6 clients are limited per /64: one host usually holds a whole one.
    private static string Source(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress ?? IPAddress.None;
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            address = new IPAddress(bytes);
        }

        return address.ToString();
    }

    private static ValueTask Refuse(HttpContext context, RateLimitLease lease)
    {
        const string Message = "too many attempts from this address; wait and try again";
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // A node reads a gRPC status, not an HTTP one.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "8"; // RESOURCE_EXHAUSTED
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(Message);
            return ValueTask.CompletedTask;
        }

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        return new ValueTask(context.Response.WriteAsync(Message));
    }
}
