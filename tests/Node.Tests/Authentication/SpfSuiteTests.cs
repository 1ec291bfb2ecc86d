using System.IO.Compression;
using System.Net;
using Gatehouse.Node.Authentication.Spf;
using YamlDotNet.RepresentationModel;

namespace Gatehouse.Node.Tests.Authentication;

/// <summary>
/// The SPF evaluator against RFC 7208's own test suite (the openspf.org suite, release
/// 2014.04, as Debian's python3-spf ships it), each scenario's zone data served the way that
/// suite's driver serves it (<c>testspf.py</c>): SPF-type data also as TXT when a name has no
/// TXT, <c>TIMEOUT</c> as a DNS failure, unknown names under <c>error.</c> failing too.
/// </summary>
public sealed class SpfSuiteTests
{
    private const string Suite = "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz";

    public static TheoryData<string> Cases() => [.. Scenarios().SelectMany(s => s.Tests.Keys.Select(t => $"{s.Description} / {t}"))];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_case_of_the_rfc_7208_suite_gives_the_result_it_expects(string name)
    {
        var scenario = Scenarios().Single(s => name.StartsWith(s.Description + " / ", StringComparison.Ordinal));
        var test = scenario.Tests[name[(scenario.Description.Length + 3)..]];
        var outcome = await SpfCheck.CheckAsync(new SuiteDns(scenario.Zone), IPAddress.Parse(Text(test, "host")!), Text(test, "helo") ?? "", Text(test, "mailfrom") ?? "",
            Text(test, "receiver") ?? "unknown", DateTimeOffset.UnixEpoch, default);

        var expected = test.Children[new YamlScalarNode("result")] is YamlSequenceNode any ? any.Select(r => r.ToString()).ToList() : [Text(test, "result")!];
        Assert.True(expected.Contains(outcome.Name), $"{Text(test, "spec")}: expected {string.Join(" or ", expected)}, got {outcome.Name} ({outcome.Reason})");
        // The suite's driver gives "DEFAULT" when a fail has no explanation of the domain's.
        if (Text(test, "explanation") is { } explanation && outcome.Result == SpfResult.Fail)
        {
            Assert.Equal(explanation, outcome.Explanation ?? "DEFAULT");
        }
    }

    private static string? Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private sealed record Scenario(string Description, IReadOnlyDictionary<string, YamlMappingNode> Tests, IReadOnlyDictionary<string, List<YamlNode>> Zone);

    private static List<Scenario>? scenarios;

    private static List<Scenario> Scenarios()
    {
        if (scenarios is not null)
        {
            return scenarios;
        }

        Assert.True(File.Exists(Suite), $"{Suite} is missing: install python3-spf (deploy/install-test-deps.sh does)");
        using var reader = new StreamReader(new GZipStream(File.OpenRead(Suite), CompressionMode.Decompress));
        var stream = new YamlStream();
        stream.Load(reader);
        scenarios = [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode).Select(root => new Scenario(
            Text(root, "description")!,
            ((YamlMappingNode)root.Children[new YamlScalarNode("tests")]).Children.ToDictionary(t => t.Key.ToString(), t => (YamlMappingNode)t.Value),
            root.Children.TryGetValue(new YamlScalarNode("zonedata"), out var zone)
                ? ((YamlMappingNode)zone).Children.ToDictionary(z => z.Key.ToString().ToLowerInvariant(), z => ((YamlSequenceNode)z.Value).Children.ToList())
                : []))];
        return scenarios;
    }

    /// <summary>The suite's zone data as its own driver answers from it.</summary>
    private sealed class SuiteDns(IReadOnlyDictionary<string, List<YamlNode>> zone) : ISpfDns
    {
        public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancel) =>
            Task.FromResult(Lookup(name, "TXT", v => v is YamlSequenceNode strings ? string.Concat(strings.Select(s => s.ToString())) : v.ToString()));

        public Task<DnsAnswer<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancel) =>
            Task.FromResult(Lookup(name, ipv6 ? "AAAA" : "A", v => IPAddress.Parse(v.ToString())));

        public Task<DnsAnswer<string>> MxAsync(string name, CancellationToken cancel) =>
            Task.FromResult(Lookup(name, "MX", v => ((YamlSequenceNode)v).Children[1].ToString().TrimEnd('.')));

        public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancel) =>
            Task.FromResult(Lookup(address.GetArpaName(), "PTR", v => v.ToString().TrimEnd('.')));

        private DnsAnswer<T> Lookup<T>(string name, string type, Func<YamlNode, T> value, bool followed = false)
        {
            var labels = name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries);
            if (labels.Any(l => l.Length > 63))
            {
                return DnsAnswer<T>.Failure;
            }

            var key = string.Join('.', labels).ToLowerInvariant();
            if (!zone.TryGetValue(key, out var entries))
            {
                return key.StartsWith("error.", StringComparison.Ordinal) ? DnsAnswer<T>.Failure : new DnsAnswer<T>([]);
            }

            var records = new List<T>();
            var seen = false;
            foreach (var (entryType, entryValue) in Entries(entries))
            {
                if (entryType == "TIMEOUT")
                {
                    return seen ? new DnsAnswer<T>(records) : DnsAnswer<T>.Failure;
                }

                if (entryType == type)
                {
                    seen = true;
                    if (entryValue.ToString() == "TIMEOUT")
                    {
                        return DnsAnswer<T>.Failure;
                    }

                    records.Add(value(entryValue));
                }
                else if (entryType == "CNAME" && !followed)
                {
                    var target = Lookup(entryValue.ToString(), type, value, followed: true);
                    if (target.Failed)
                    {
                        return target;
                    }

                    records.AddRange(target.Records);
                }
            }

            return new DnsAnswer<T>(records);
        }

        // As testspf.py's getrdata: SPF data doubles as TXT when the name has no TXT; NONE is no record.
        private static IEnumerable<(string Type, YamlNode Value)> Entries(List<YamlNode> entries)
        {
            var hasTxt = entries.OfType<YamlMappingNode>().Any(m => m.Children.Keys.Any(k => k.ToString() == "TXT"));
            var generated = new List<(string, YamlNode)>();
            foreach (var entry in entries)
            {
                if (entry is YamlScalarNode scalar)
                {
                    yield return (scalar.Value!, scalar);
                    continue;
                }

                foreach (var (type, value) in ((YamlMappingNode)entry).Children.Select(c => (c.Key.ToString(), c.Value)))
                {
                    if (type == "SPF" && !hasTxt)
                    {
                        generated.Add(("TXT", value));
                    }

                    if (value.ToString() != "NONE")
                    {
                        yield return (type, value);
                    }
                }
            }

            foreach (var entry in generated)
            {
                yield return entry;
            }
        }
    }
}
