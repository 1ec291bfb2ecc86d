using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Gatehouse.Harness;

// Commit-to-applied latency: from the admin's commit request until every node runs the new
// version (its status file says so). Usage: [node counts…] [--commits N]; default 2 10, 20 commits.
var counts = args.TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).Select(int.Parse).DefaultIfEmpty(2).ToList();
if (args.Length == 0)
{
    counts = [2, 10];
}

var commitsIndex = Array.IndexOf(args, "--commits");
var commits = commitsIndex >= 0 ? int.Parse(args[commitsIndex + 1], CultureInfo.InvariantCulture) : 20;

Console.WriteLine($"commit-to-applied latency, {commits} commits per cluster size");
Console.WriteLine("nodes  median_ms  p90_ms  worst_ms  commit_call_median_ms  first_node_median_ms");
foreach (var nodes in counts)
{
    await using var cluster = await TestCluster.StartAsync(nodes);
    var samples = new List<double>();
    var commitCalls = new List<double>();
    var firstNodes = new List<double>();
    for (var i = 0; i < commits; i++)
    {
        var set = JsonNode.Parse(await cluster.Manager.Http.PostTextAsync("api/v1/config/export", "{\"keys\":\"plain\"}"))!;
        set["cluster"]!["alert_settings"]!["from_address"] = $"bench-{i}@example.com";
        await cluster.Manager.Http.PutAsync("api/v1/changes?source=benchmark", set.ToJsonString());

        var clock = Stopwatch.StartNew();
        var answer = JsonNode.Parse(await cluster.Manager.Http.PostTextAsync("api/v1/commit", $"{{\"comment\":\"benchmark {i}\"}}"))!;
        var version = (long)answer["version"]!;
        commitCalls.Add(clock.Elapsed.TotalMilliseconds);
        var first = double.NaN;
        while (cluster.Nodes.Any(n => n.Status().AppliedVersion != version))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new TimeoutException($"version {version} not applied everywhere after 30s");
            }

            if (double.IsNaN(first) && cluster.Nodes.Any(n => n.Status().AppliedVersion == version))
            {
                first = clock.Elapsed.TotalMilliseconds;
            }

            await Task.Delay(1);
        }

        firstNodes.Add(double.IsNaN(first) ? clock.Elapsed.TotalMilliseconds : first);

        samples.Add(clock.Elapsed.TotalMilliseconds);
    }

    samples.Sort();
    commitCalls.Sort();
    firstNodes.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{nodes,5}  {Percentile(samples, 0.5),9:F1}  {Percentile(samples, 0.9),6:F1}  {samples[^1],8:F1}  {Percentile(commitCalls, 0.5),21:F1}  {Percentile(firstNodes, 0.5),20:F1}"));
}

static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Round(p * (sorted.Count - 1))];
