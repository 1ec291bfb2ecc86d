using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Gatehouse.Harness;

// The control plane at scale: N simulated nodes (real joins, real mutual-TLS sync streams, many
// per process) on one manager process with its file store. For each N: join rate, the manager's
// memory and CPU per connected node, and commit-to-all-ACK latency over C commits.
// Usage: [node counts…] [--commits C] [--parallel P]; default 10 100 1000, 20 commits, 16 joins at a time.
var counts = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(int.Parse).ToList();
if (counts.Count == 0)
{
    counts = [10, 100, 1000];
}

var commits = Option("--commits", 20);
var parallel = Option("--parallel", 16);
Console.WriteLine($"control plane: {commits} commits per size, {parallel} joins at a time, simulated nodes in this process");
Console.WriteLine("nodes  joins_per_s  rss_idle_mb  kb_per_node  commit_median_ms  commit_p99_ms  commit_worst_ms  cpu_ms_per_commit");
foreach (var n in counts)
{
    var root = Directory.CreateTempSubdirectory("gatehouse-scale-").FullName;
    try
    {
        await RunAsync(root, n);
    }
    finally
    {
        Directory.Delete(root, recursive: true);
    }
}

async Task RunAsync(string root, int n)
{
    await using var manager = new ManagerInstance(root, IPAddress.Loopback);
    await manager.StartAsync();
    var pid = manager.Process.Id;
    using var clusterCa = X509CertificateLoader.LoadCertificateFromFile(manager.CaFile);
    var before = Rss(pid);
    var nodes = Enumerable.Range(0, n)
        .Select(i => new MemberNode($"sim{i:D4}", IPAddress.Parse($"127.{50 + i / 250}.{i % 250 + 1}.1"), manager.Url, clusterCa))
        .ToList();
    try
    {
        var tokens = new List<string>();
        foreach (var _ in nodes)
        {
            tokens.Add((string)JsonNode.Parse(await manager.Http.PostTextAsync("api/v1/tokens", "{\"ttl_seconds\":3600}"))!["token"]!);
        }

        var joining = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, n), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, _) =>
        {
            await nodes[i].JoinAsync(tokens[i]);
            await nodes[i].ConnectAsync();
        });
        var joinRate = n / joining.Elapsed.TotalSeconds;

        // Version 1 reaches every node at connect; wait for all of those ACKs before measuring.
        await WaitAllAckedAsync(nodes, 1, TimeSpan.FromMinutes(2));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var idle = Rss(pid);
        var samples = new List<double>();
        var cpuBefore = CpuMilliseconds(pid);
        for (var c = 0; c < commits; c++)
        {
            var set = JsonNode.Parse(await manager.Http.PostTextAsync("api/v1/config/export", "{\"keys\":\"plain\"}"))!;
            set["cluster"]!["alert_settings"]!["from_address"] = $"scale-{c}@example.com";
            await manager.Http.PutAsync("api/v1/changes?source=benchmark", set.ToJsonString());
            var started = Stopwatch.GetTimestamp();
            var version = (long)JsonNode.Parse(await manager.Http.PostTextAsync("api/v1/commit", $"{{\"comment\":\"scale {c}\"}}"))!["version"]!;
            await WaitAllAckedAsync(nodes, version, TimeSpan.FromMinutes(1));
            samples.Add(Stopwatch.GetElapsedTime(started, nodes.Max(node => node.Acked[version])).TotalMilliseconds);
        }

        var cpuPerCommit = (CpuMilliseconds(pid) - cpuBefore) / commits;
        samples.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{n,5}  {joinRate,11:F1}  {idle / 1048576.0,11:F1}  {(idle - before) / 1024.0 / n,11:F1}  {Percentile(samples, 0.5),16:F1}  {Percentile(samples, 0.99),13:F1}  {samples[^1],15:F1}  {cpuPerCommit,17:F1}"));
    }
    finally
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }
    }
}

static async Task WaitAllAckedAsync(List<MemberNode> nodes, long version, TimeSpan limit)
{
    var clock = Stopwatch.StartNew();
    while (nodes.Any(n => !n.Acked.ContainsKey(version)))
    {
        if (clock.Elapsed > limit)
        {
            throw new TimeoutException($"version {version}: {nodes.Count(n => !n.Acked.ContainsKey(version))} of {nodes.Count} nodes did not ACK within {limit}");
        }

        await Task.Delay(1);
    }
}

// Resident memory of the manager process, from /proc.
static long Rss(int pid) =>
    long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;

// User plus system CPU of the manager process so far (clock ticks of 10 ms on Linux).
static double CpuMilliseconds(int pid)
{
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) * 10.0;
}

static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Round(p * (sorted.Count - 1))];

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
