using System.Text.RegularExpressions;

namespace Gatehouse.Node.Scanning.Milter;

/// <summary>An SMTP reply a milter chose: its code (4xx or 5xx), enhanced status code and text lines.</summary>
internal sealed partial record MilterReply(int Code, string Enhanced, string[] Lines)
{
    public static readonly MilterReply Rejected = new(550, "5.7.1", ["Command rejected"]);
    public static readonly MilterReply TemporaryFailure = new(451, "4.7.1", ["Service unavailable - try again later"]);
    public static readonly MilterReply Shutdown = new(421, "4.7.0", ["Server closing connection"]);

    /// <summary>
    /// The text of SMFIR_REPLYCODE (<c>550 5.7.1 text</c>, or several such lines with <c>-</c>
    /// after the code): only a 4xx or 5xx code, the same on every line; text printable and
    /// bounded, so that it can be a reply of the node's.
    /// </summary>
    public static MilterReply Parse(string text)
    {
        var lines = text.TrimEnd('\0').Split(["\r\n", "\n"], StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length is 0 or > 10)
        {
            throw new IOException("the milter's reply code has no line, or too many");
        }

        var code = 0;
        var enhanced = "";
        var texts = new List<string>();
        foreach (var line in lines)
        {
            var match = Line().Match(line);
            if (!match.Success || (code != 0 && int.Parse(match.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture) != code))
            {
                throw new IOException($"the milter's reply '{Printable(line)}' is not a 4xx or 5xx reply");
            }

            code = int.Parse(match.Groups["code"].Value, System.Globalization.CultureInfo.InvariantCulture);
            enhanced = enhanced.Length > 0 ? enhanced : match.Groups["enhanced"].Value;
            texts.Add(Printable(match.Groups["text"].Value));
        }

        return new MilterReply(code, enhanced.Length > 0 ? enhanced : code >= 500 ? "5.7.1" : "4.7.1", [.. texts]);
    }

    public override string ToString() => $"{Code} {Enhanced} {string.Join(' ', Lines)}";

    /// <summary>Printable ASCII only, at most 400 characters: fit for a reply line and a log line.</summary>
    public static string Printable(string text)
    {
        var kept = new string([.. text.Where(c => c is >= ' ' and <= '~')]).Trim();
        return kept.Length > 400 ? kept[..400] : kept;
    }

    [GeneratedRegex(@"\A(?<code>[45][0-9][0-9])[ -]?(?:(?<enhanced>[45]\.[0-9]{1,3}\.[0-9]{1,3})(?: |\z))?(?<text>.*)\z")]
    private static partial Regex Line();
}

/// <summary>How a milter ended its look at the message.</summary>
internal enum MilterEnd
{
    /// <summary>Continue: its changes apply, the next scanner goes on.</summary>
    Continued,

    /// <summary>Accept: no more of this message for it; its changes (if any came) apply.</summary>
    Accepted,

    /// <summary>Refused with <see cref="MilterVerdict.Refusal"/>.</summary>
    Refused,

    /// <summary>Discard: the client is told it is accepted; it is not queued.</summary>
    Discarded,
}

/// <summary>A milter's answer to one message: how it ended, at which event, and what it changes.</summary>
internal sealed record MilterVerdict(MilterEnd End, string Event, MilterReply? Refusal, MessageChanges Changes)
{
    public string LogText
    {
        get
        {
            var end = End switch
            {
                MilterEnd.Refused => $"{Refusal} at {Event}",
                MilterEnd.Discarded => $"discard at {Event}",
                MilterEnd.Accepted => $"accept at {Event}",
                _ => "continue",
            };
            var changes = new List<string>();
            if (Changes.Headers.Count > 0)
            {
                changes.Add($"{Changes.Headers.Count} header change{(Changes.Headers.Count == 1 ? "" : "s")}");
            }

            if (Changes.Body is not null)
            {
                changes.Add("body replaced");
            }

            if (Changes.Sender is not null)
            {
                changes.Add("sender changed");
            }

            if (Changes.Quarantine is not null)
            {
                changes.Add("quarantined");
            }

            if (Changes.AddedRecipients.Count + Changes.RemovedRecipients.Count > 0)
            {
                changes.Add($"recipients +{Changes.AddedRecipients.Count} -{Changes.RemovedRecipients.Count}");
            }

            return changes.Count == 0 ? end : $"{end}; {string.Join(", ", changes)}";
        }
    }
}
