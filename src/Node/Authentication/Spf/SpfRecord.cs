using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Gatehouse.Node.Authentication.Spf;

/// <summary>One mechanism of an SPF record: its qualifier's result, name, domain-spec and prefix lengths.</summary>
internal sealed record SpfMechanism(SpfResult Qualifier, string Name, string? DomainSpec, IPAddress? Network, int Cidr4, int Cidr6);

/// <summary>An SPF record (RFC 7208 section 4.6), parsed whole before anything of it is evaluated.</summary>
internal sealed partial record SpfRecord(IReadOnlyList<SpfMechanism> Mechanisms, string? Redirect, string? Explanation)
{
    /// <summary>True when a TXT record is an SPF record: <c>v=spf1</c>, then a space or nothing.</summary>
    public static bool IsSpf(string text) =>
        text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');

    /// <summary>Throws <see cref="SpfSyntaxException"/> on any syntax error.</summary>
    public static SpfRecord Parse(string text)
    {
        var mechanisms = new List<SpfMechanism>();
        string? redirect = null, explanation = null;
        foreach (var term in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (Modifier().Match(term) is { Success: true } modifier)
            {
                var name = modifier.Groups[1].Value.ToLowerInvariant();
                var value = modifier.Groups[2].Value;
                switch (name)
                {
                    case "redirect" when redirect is null:
                        redirect = DomainSpec(value);
                        break;
                    case "exp" when explanation is null:
                        explanation = DomainSpec(value);
                        break;
                    case "redirect" or "exp":
                        throw new SpfSyntaxException($"{name}= twice");
                    default:
                        SpfMacro.CheckSyntax(value);
                        break;
                }

                continue;
            }

            mechanisms.Add(Mechanism(term));
        }

        return new SpfRecord(mechanisms, redirect, explanation);
    }

    private static SpfMechanism Mechanism(string term)
    {
        var qualifier = term[0] switch
        {
            '+' => SpfResult.Pass,
            '-' => SpfResult.Fail,
            '~' => SpfResult.SoftFail,
            '?' => SpfResult.Neutral,
            _ => (SpfResult?)null,
        };
        var rest = qualifier is null ? term : term[1..];
        var match = MechanismName().Match(rest);
        var name = match.Value.ToLowerInvariant();
        var argument = rest[match.Length..];
        var result = qualifier ?? SpfResult.Pass;
        switch (name)
        {
            case "all" when argument.Length == 0:
                return new(result, name, null, null, 32, 128);
            case "include" or "exists" when argument.StartsWith(':'):
                return new(result, name, DomainSpec(argument[1..]), null, 32, 128);
            case "ptr" when argument.Length == 0 || argument.StartsWith(':'):
                return new(result, name, argument.Length == 0 ? null : DomainSpec(argument[1..]), null, 32, 128);
            case "a" or "mx" when DualCidr().Match(argument) is { Success: true } dual:
                return new(result, name, dual.Groups[1].Success ? DomainSpec(dual.Groups[1].Value) : null, null,
                    Length(dual.Groups[2], 32), Length(dual.Groups[3], 128));
            case "ip4" when Ip4().Match(argument) is { Success: true } ip4 && IPAddress.TryParse(ip4.Groups[1].Value, out var network4):
                return new(result, name, null, network4, Length(ip4.Groups[2], 32), 128);
            case "ip6" when Ip6().Match(argument) is { Success: true } ip6 && IPAddress.TryParse(ip6.Groups[1].Value, out var network6)
                && network6.AddressFamily == AddressFamily.InterNetworkV6:
                return new(result, name, null, network6, 32, Length(ip6.Groups[2], 128));
            default:
                throw new SpfSyntaxException($"\"{term}\" is not a mechanism");
        }
    }

    private static int Length(Group cidr, int max)
    {
        if (!cidr.Success)
        {
            return max;
        }

        var length = int.Parse(cidr.Value, System.Globalization.CultureInfo.InvariantCulture);
        return length <= max ? length : throw new SpfSyntaxException($"prefix length /{length}");
    }

    // domain-spec = macro-string domain-end; domain-end = "." toplabel ["."] / macro-expand
    private static string DomainSpec(string spec)
    {
        SpfMacro.CheckSyntax(spec);
        if (!DomainEnd().IsMatch(spec))
        {
            throw new SpfSyntaxException($"\"{spec}\" does not end as a domain");
        }

        return spec;
    }

    [GeneratedRegex(@"\A([A-Za-z][A-Za-z0-9\-_.]*)=(.*)\z")]
    private static partial Regex Modifier();

    [GeneratedRegex(@"\A[A-Za-z][A-Za-z0-9\-_.]*")]
    private static partial Regex MechanismName();

    [GeneratedRegex(@"\A(?::(.+?))?(?:/(0|[1-9][0-9]?))?(?://(0|[1-9][0-9]{0,2}))?\z")]
    private static partial Regex DualCidr();

    [GeneratedRegex(@"\A:((?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]))(?:/(0|[1-9][0-9]?))?\z")]
    private static partial Regex Ip4();

    [GeneratedRegex(@"\A:([0-9A-Fa-f:.]+)(?:/(0|[1-9][0-9]{0,2}))?\z")]
    private static partial Regex Ip6();

    [GeneratedRegex(@"(?:\.(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])\.?|%\{[^}]*\})\z")]
    private static partial Regex DomainEnd();
}
