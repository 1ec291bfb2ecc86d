using Gatehouse.Configuration.Matching;
using Gatehouse.Node.Logging;

namespace Gatehouse.Node.Delivery;

/// <summary>
/// The queue commands an administrator gives a node, from its control socket or through the
/// manager: checked here once, then carried out by the delivery queue.
/// </summary>
internal static class QueueCommands
{
    /// <summary>Carries out one command; the answer says what was done, or why nothing was.</summary>
    public static async Task<(bool Ok, string Message)> ExecuteAsync(DeliveryQueue queue, string op, string? domain, long? mid, string? redirectTo = null)
    {
        if (op == "redirect")
        {
            return (mid, redirectTo is null ? null : Redirect.FromAdmin(redirectTo)) switch
            {
                (null, _) => (false, "redirect needs a MID"),
                (_, null) => (false, $"'{MailLog.Escape(redirectTo ?? "")}' is not a host, host:port or [host]:port"),
                ({ } m, { } target) => await queue.RedirectAsync(m, target) is { } notRedirected ? (false, notRedirected) : (true, $"MID {m} redirected to {target}"),
            };
        }

        domain = string.IsNullOrWhiteSpace(domain) ? null : domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (domain is not null && !HostNameSyntax.IsValid(domain))
        {
            return (false, $"'{MailLog.Escape(domain)}' is not a domain");
        }

        switch (op, domain, mid)
        {
            case ("suspend", { } d, null):
                await queue.SuspendAsync(d);
                return (true, $"Delivery to {d} is suspended");
            case ("resume", { } d, null):
                await queue.ResumeAsync(d);
                return (true, $"Delivery to {d} is resumed");
            case ("flush", { } d, null):
                return (true, $"{queue.DeliverNow(d)} messages for {d} are due now");
            case ("flush", null, null):
                queue.DeliverNow();
                return (true, "Delivery of every queued message starts now");
            case ("delete", null, { } m):
                return queue.Delete(m) is { } notDeleted ? (false, notDeleted) : (true, $"MID {m} deleted");
            case ("release", null, { } m):
                return await queue.ReleaseQuarantineAsync(m) is { } notReleased ? (false, notReleased) : (true, $"MID {m} released from quarantine");
            case ("bounce", null, { } m):
                return await queue.BounceAsync(m) is { } notBounced ? (false, notBounced) : (true, $"MID {m} bounced to its sender");
            case ("summary", null, null):
                var summary = queue.Summary();
                return (true, summary.Count == 0 ? "Mail queue is empty" : string.Join("\n", summary));
            case ("suspended", null, null):
                var list = queue.SuspendedDomains();
                return (true, list.Count == 0 ? "No domain is suspended" : string.Join("\n", list));
            default:
                return (false, "unknown queue command");
        }
    }
}
