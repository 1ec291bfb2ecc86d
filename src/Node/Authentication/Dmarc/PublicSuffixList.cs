using System.Globalization;

namespace Gatehouse.Node.Authentication.Dmarc;

/// <summary>
/// Organizational domains (RFC 7489 section 3.2) by the Public Suffix List, read from the file
/// Debian's <c>publicsuffix</c> package keeps current, and read again when that file changes
/// (looked at no more than once a minute). Without the file every domain is its own
/// organizational domain: alignment is then strict, which refuses nothing DMARC would pass
/// only by a parent domain's record.
/// </summary>
internal sealed class PublicSuffixList(string path, TimeProvider time)
{
    public const string DebianPath = "/usr/share/publicsuffix/public_suffix_list.dat";
    private static readonly TimeSpan LookEvery = TimeSpan.FromMinutes(1);
    private readonly Lock gate = new();
    private Rules rules = Rules.Empty;
    private DateTime readFrom = DateTime.MinValue;
    private DateTimeOffset lookedAt = DateTimeOffset.MinValue;

    /// <summary>The registrable domain <paramref name="domain"/> belongs to; the domain itself when it is a public suffix or no list is there.</summary>
    public string OrganizationalDomain(string domain)
    {
        var labels = domain.TrimEnd('.').ToLowerInvariant().Split('.');
        var suffix = Current().SuffixLabels(labels);
        return suffix < labels.Length ? string.Join('.', labels[^(suffix + 1)..]) : string.Join('.', labels);
    }

    private Rules Current()
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (now - lookedAt < LookEvery)
            {
                return rules;
            }

            lookedAt = now;
            var written = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : DateTime.MinValue;
            if (written != readFrom)
            {
                rules = written == DateTime.MinValue ? Rules.Empty : Rules.Read(path);
                readFrom = written;
            }

            return rules;
        }
    }

    private sealed class Rules(HashSet<string> exact, HashSet<string> wildcards, HashSet<string> exceptions, bool loaded)
    {
        public static readonly Rules Empty = new([], [], [], loaded: false);
        private static readonly IdnMapping Idn = new();

        public static Rules Read(string path)
        {
            var (exact, wildcards, exceptions) = (new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));
            foreach (var line in File.ReadLines(path))
            {
                var rule = line.Split([' ', '\t'], 2)[0].Trim();
                if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                var kind = rule.StartsWith('!') ? "!" : rule.StartsWith("*.", StringComparison.Ordinal) ? "*." : "";
                string name;
                try
                {
                    // Rules for internationalized names are in Unicode; mail domains here are in A-labels.
                    name = Idn.GetAscii(rule[kind.Length..]);
                }
                catch (ArgumentException)
                {
                    continue;
                }

                (kind switch { "!" => exceptions, "*." => wildcards, _ => exact }).Add(name);
            }

            return new Rules(exact, wildcards, exceptions, loaded: true);
        }

        // How many labels on the right are the public suffix: the longest rule that matches,
        // an exception rule's name less its first label, else one label (the "*" default).
        public int SuffixLabels(string[] labels)
        {
            if (!loaded)
            {
                return labels.Length;
            }

            for (var count = labels.Length; count >= 1; count--)
            {
                var name = string.Join('.', labels[^count..]);
                if (exceptions.Contains(name))
                {
                    return count - 1;
                }

                if (exact.Contains(name) || (count > 1 && wildcards.Contains(string.Join('.', labels[^(count - 1)..]))))
                {
                    return count;
                }
            }

            return 1;
        }
    }
}
