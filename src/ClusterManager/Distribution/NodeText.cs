using Gatehouse.Cluster.V1;

namespace Gatehouse.ClusterManager.Distribution;

/// <summary>
/// Text a node sends (its version, why it refused a version, what went wrong answering) reaches
/// the store, alert mails, the manager's log and admins' terminals: bounded, and printable only,
/// so a node that was broken into can neither bloat the store nor write escape sequences or
/// false lines where admins read.
/// </summary>
internal static class NodeText
{
    public const int MaxErrors = 20;

    public static string Bounded(string text, int max)
    {
        var cut = text.Length > max ? text[..max] + "…" : text;
        return cut.Any(char.IsControl) ? string.Concat(cut.Select(c => char.IsControl(c) ? ' ' : c)) : cut;
    }

    public static Hello Bounded(Hello hello)
    {
        var bounded = new Hello { AppliedVersion = hello.AppliedVersion, SoftwareVersion = Bounded(hello.SoftwareVersion, 64) };
        // Names of settings: the schema has a few hundred, each under 100 characters; kept in the node's record.
        bounded.KnownSettings.AddRange(hello.KnownSettings.Take(MaxSettings).Select(s => Bounded(s, 128)));
        return bounded;
    }

    private const int MaxSettings = 2000;

    public static Nack Bounded(Nack nack)
    {
        var bounded = new Nack { Version = nack.Version, Nonce = nack.Nonce };
        bounded.Errors.AddRange(nack.Errors.Take(MaxErrors).Select(e => new ValidationError { Path = Bounded(e.Path, 200), Message = Bounded(e.Message, 500) }));
        return bounded;
    }
}
