using System.Globalization;

namespace Gatehouse.Cluster.MtaSts;

public enum MtaStsMode
{
    None,
    Testing,
    Enforce,
}

/// <summary>
/// A domain's MTA-STS policy (RFC 8461 §3.2) as fetched from
/// <c>https://mta-sts.DOMAIN/.well-known/mta-sts.txt</c>: its mode, the MX host patterns it
/// allows (<c>mx.example.test</c>, or <c>*.example.test</c> for one left-most label) and how long
/// it may be used (<c>max_age</c>, at most a year). <see cref="Id"/> is the TXT record's id it
/// was fetched under. Nodes and the manager read it alike: the manager to judge what a node
/// shares before it reaches the others.
/// </summary>
public sealed partial record MtaStsPolicy(MtaStsMode Mode, IReadOnlyList<string> MxPatterns, TimeSpan MaxAge, string Id, DateTimeOffset FetchedAt)
{
    private static readonly TimeSpan MaxMaxAge = TimeSpan.FromSeconds(31_557_600);

    public DateTimeOffset ExpiresAt => FetchedAt + MaxAge;

    /// <summary>Taken from another node through the manager, not fetched from the policy host here.</summary>
    public bool Learned { get; init; }

    /// <summary>
    /// Whether this policy protects at least as much as <paramref name="other"/>: a mode no lower and
    /// no MX pattern that one does not have. A policy shared under an id another already holds may
    /// only be as strict, never looser.
    /// </summary>
    public bool IsAtLeastAsStrictAs(MtaStsPolicy other) =>
        Mode >= other.Mode && MxPatterns.All(p => other.MxPatterns.Contains(p, StringComparer.OrdinalIgnoreCase));

    /// <summary>Reads a policy file; throws <see cref="FormatException"/> naming what is wrong.</summary>
    public static MtaStsPolicy Parse(string text, string id, DateTimeOffset fetchedAt)
    {
        string? version = null;
        string? mode = null;
        string? maxAge = null;
        var mx = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Trim().Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"not a key: value line: {Shown(line)}");
            }

            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            switch (key)
            {
                case "version":
                    version ??= value;
                    break;
                case "mode":
                    mode ??= value;
                    break;
                case "max_age":
                    maxAge ??= value;
                    break;
                case "mx" when MxPattern().IsMatch(value):
                    mx.Add(value.ToLowerInvariant().TrimEnd('.'));
                    break;
                case "mx":
                    throw new FormatException($"mx is {Shown(value)}, not a host name or *.domain");
                default:
                    // Unknown keys are for later versions of the format.
                    break;
            }
        }

        if (version != "STSv1")
        {
            throw new FormatException($"version is {Shown(version ?? "missing")}, not STSv1");
        }

        var parsedMode = mode switch
        {
            "enforce" => MtaStsMode.Enforce,
            "testing" => MtaStsMode.Testing,
            "none" => MtaStsMode.None,
            _ => throw new FormatException($"mode is {Shown(mode ?? "missing")}, not enforce, testing or none"),
        };
        if (maxAge is null || maxAge.Length > 10 || !long.TryParse(maxAge, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            throw new FormatException($"max_age is {Shown(maxAge ?? "missing")}, not a number of seconds");
        }

        if (parsedMode != MtaStsMode.None && mx.Count == 0)
        {
            throw new FormatException("no mx line");
        }

        return new MtaStsPolicy(parsedMode, mx, TimeSpan.FromSeconds(Math.Min(seconds, (long)MaxMaxAge.TotalSeconds)), id, fetchedAt);
    }

    /// <summary>Whether an MX host is one the policy allows (a wildcard stands for exactly one label).</summary>
    public bool Allows(string host)
    {
        var name = host.ToLowerInvariant().TrimEnd('.');
        return MxPatterns.Any(p => p.StartsWith("*.", StringComparison.Ordinal)
            ? name.EndsWith(p[1..], StringComparison.Ordinal) && !name[..^(p.Length - 1)].Contains('.', StringComparison.Ordinal) && name.Length > p.Length - 1
            : name == p);
    }

    /// <summary>The policy as the lines of a policy file (and of a TLS report's policy-string).</summary>
    public IReadOnlyList<string> Lines() =>
        ["version: STSv1", $"mode: {Mode.ToString().ToLowerInvariant()}", .. MxPatterns.Select(m => $"mx: {m}"), $"max_age: {MaxAge.TotalSeconds:0}"];

    public string Describe() =>
        $"{Mode.ToString().ToLowerInvariant()} (id {Id}, max_age {MaxAge.TotalSeconds:0} s, mx {string.Join(", ", MxPatterns)})";

    [System.Text.RegularExpressions.GeneratedRegex(@"^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))+\.?\z")]
    private static partial System.Text.RegularExpressions.Regex MxPattern();

    // A policy host's bytes go into log lines: bounded and printable only.
    private static string Shown(string value) =>
        new([.. value.Take(64).Select(c => char.IsControl(c) || c > '~' ? '?' : c)]);
}
