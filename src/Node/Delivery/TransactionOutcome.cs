using System.Text.RegularExpressions;
using MailKit.Net.Smtp;

namespace Gatehouse.Node.Delivery;

/// <summary>A recipient that was not delivered, with the answer that says why.</summary>
internal sealed record RecipientFailure(int Rid, string Reason);

/// <summary>What one SMTP transaction did for each of its recipients.</summary>
internal sealed partial record TransactionOutcome(IReadOnlyList<int> Delivered, IReadOnlyList<RecipientFailure> Bounced, IReadOnlyList<RecipientFailure> Deferred)
{
    /// <summary>The receiver's answer to the data when it took the message (without the reply code, as the appliance logs it).</summary>
    public string? Response { get; init; }

    public static TransactionOutcome AllDeferred(IEnumerable<int> rids, string reason) => new([], [], [.. rids.Select(r => new RecipientFailure(r, reason))]);

    public static TransactionOutcome AllBounced(IEnumerable<int> rids, string reason) => new([], [.. rids.Select(r => new RecipientFailure(r, reason))], []);

    /// <summary>An SMTP answer as logs and bounces show it: <c>550 5.1.1 text</c>.</summary>
    public static string Describe(SmtpStatusCode code, string text) => $"{(int)code} {text.Replace('\n', ' ').Trim()}";

    /// <summary>The enhanced status code of an answer (RFC 3463), or the class default.</summary>
    public static string EnhancedStatus(string reason)
    {
        var match = EnhancedPattern().Match(reason);
        return match.Success ? match.Groups["status"].Value : reason.StartsWith('5') ? "5.0.0" : "4.0.0";
    }

    [GeneratedRegex(@"^(\d{3}[ -])?(?<status>[245]\.\d{1,3}\.\d{1,3})\b")]
    private static partial Regex EnhancedPattern();
}
