using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Benchmarks.RelayLoad;
using Gatehouse.Harness;

// Relay throughput and end-to-end latency: STARTTLS in, queue, STARTTLS out to a sink. A
// Gatehouse node and a Postfix instance relay the same load on the same machine, in the
// same run, each to a sink of its own. End-to-end latency is from the client's connect to
// the sink's final dot; throughput is messages arrived per second of the whole round.
// Usage: [--clients N] [--messages M] [--rounds R]
var (clients, messages, rounds) = BenchmarkArguments.Load(args);
var body = BenchmarkArguments.Body;

await using var cluster = await TestCluster.StartAsync(nodes: 1);
var node = cluster.Node("node1");
var pem = await cluster.Manager.CertificateWithKeyPemAsync("demo");
using var certificate = X509Certificate2.CreateFromPem(pem, pem);
await using var gatehouseSink = new TlsSink(new IPEndPoint(IPAddress.Parse("127.0.1.50"), 0), certificate);
await using var postfixSink = new TlsSink(new IPEndPoint(IPAddress.Parse("127.0.1.51"), 0), certificate);

var gatehouse = new IPEndPoint(node.Address, FreePort.On(node.Address));
var https = new IPEndPoint(node.Address, FreePort.On(node.Address));
(await cluster.Manager.LoadConfigAsync($$$"""
    hostname: relay.bench.test
    ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: relay.bench.test,
                     https: {enabled: true, port: {{{https.Port}}}, certificate: demo, anonymous_read: true}}]
    mail_flow_policies: [{name: LOAD, behavior: relay, tls: preferred, max_concurrent_connections_per_ip: 1000}]
    sender_groups: [{name: LOCAL, policy: LOAD, members: [127.0.0.0/8]}]
    listeners: [{name: Relay, type: private, interface: Data1, port: {{{gatehouse.Port}}}, certificate: demo, host_access_table: [LOCAL], default_policy: LOAD}]
    smtp_routes: [{domain: relay.test, hosts: [{host: {{{gatehouseSink.Endpoint.Address}}}, port: {{{gatehouseSink.Endpoint.Port}}}}]}]
    destination_controls: [{domain: relay.test, tls: required, max_concurrent_connections: 20, max_messages_per_connection: 50}]
    """, machine: "node1", merge: true)).Succeeded();
await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("relay benchmark"));
await Wait.UntilAsync(() => FreePort.Accepts(gatehouse), "the relay listener accepts");

// Postfix: same certificate, STARTTLS in and (encrypt) out, 20 connections to the sink like the node.
var postfixDirectory = Directory.CreateDirectory(Path.Combine(cluster.Root, "postfix")).FullName;
await File.WriteAllTextAsync(Path.Combine(postfixDirectory, "server.pem"), pem);
var postfixAddress = IPAddress.Parse("127.0.0.200");
await using var postfix = await PostfixInstance.StartAsync(postfixDirectory, new IPEndPoint(postfixAddress, FreePort.On(postfixAddress)), new Dictionary<string, string>
{
    ["smtpd_tls_security_level"] = "may",
    ["smtpd_tls_chain_files"] = Path.Combine(postfixDirectory, "server.pem"),
    ["relay_domains"] = "relay.test",
    ["relayhost"] = $"[{postfixSink.Endpoint.Address}]:{postfixSink.Endpoint.Port}",
    ["smtp_tls_security_level"] = "encrypt",
    ["smtp_tls_loglevel"] = "0",
    ["default_destination_concurrency_limit"] = "20",
    ["smtpd_client_connection_count_limit"] = "0",
    ["smtpd_client_connection_rate_limit"] = "0",
    ["default_process_limit"] = "200",
    ["in_flow_delay"] = "0",
});

Console.WriteLine($"relay over STARTTLS in and out: {clients} concurrent clients x {messages} messages, {rounds} rounds, one connection per message in");
Console.WriteLine("round  relay      msgs/s  e2e_p50_ms  e2e_p99_ms  accept_p99_ms  failed  lost");
var totals = new Dictionary<string, List<Round>> { ["gatehouse"] = [], ["postfix"] = [] };
var cpu = new Dictionary<string, TimeSpan> { ["gatehouse"] = TimeSpan.Zero, ["postfix"] = TimeSpan.Zero };
var processOf = new Dictionary<string, int> { ["gatehouse"] = node.Process.Id, ["postfix"] = postfix.ProcessId };
var relays = new[] { ("gatehouse", gatehouse, gatehouseSink), ("postfix", postfix.Smtpd, postfixSink) };
foreach (var (name, server, sink) in relays)
{
    await RunRoundAsync(server, sink, 4, 5, $"warmup-{name}");
}

for (var round = 1; round <= rounds; round++)
{
    foreach (var (name, server, sink) in relays)
    {
        var cpuBefore = ProcessCpu.TreeOf(processOf[name]);
        var result = await RunRoundAsync(server, sink, clients, messages, $"r{round}-{name}");
        cpu[name] += ProcessCpu.TreeOf(processOf[name]) - cpuBefore;
        totals[name].Add(result);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{round,-5}  {name,-9} {result.PerSecond,7:F1}  {Percentile(result.EndToEndMs, 0.5),10:F1}  {Percentile(result.EndToEndMs, 0.99),10:F1}  {Percentile(result.Accept.LatenciesMs, 0.99),13:F1}  {result.Accept.Failed,6}  {result.Lost,4}"));
    }
}

var summary = totals.ToDictionary(t => t.Key, t => (
    PerSecond: t.Value.Sum(r => r.Arrived) / t.Value.Sum(r => r.Elapsed.TotalSeconds),
    Latencies: t.Value.SelectMany(r => r.EndToEndMs).Order().ToList()));
foreach (var (name, s) in summary)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"all    {name,-9} {s.PerSecond,7:F1}  {Percentile(s.Latencies, 0.5),10:F1}  {Percentile(s.Latencies, 0.99),10:F1}"));
}

var (g, p) = (summary["gatehouse"], summary["postfix"]);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"ratio gatehouse/postfix: throughput {g.PerSecond / p.PerSecond:F2}, e2e p50 {Percentile(g.Latencies, 0.5) / Percentile(p.Latencies, 0.5):F2}, e2e p99 {Percentile(g.Latencies, 0.99) / Percentile(p.Latencies, 0.99):F2}"));
Console.WriteLine($"sink sessions over TLS: gatehouse {gatehouseSink.EncryptedSessions}, postfix {postfixSink.EncryptedSessions}");
// The relay's own CPU (the node process; Postfix's master and all its daemons), per message that arrived.
var cpuPerMessage = cpu.ToDictionary(c => c.Key, c => c.Value.TotalMilliseconds / totals[c.Key].Sum(r => r.Arrived));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"relay cpu per message: gatehouse {cpuPerMessage["gatehouse"]:F2} ms, postfix {cpuPerMessage["postfix"]:F2} ms, ratio {cpuPerMessage["gatehouse"] / cpuPerMessage["postfix"]:F2}"));

// The node's own count of spool flushes (group commit) against the messages it accepted.
using var metricsClient = new HttpClient(new HttpClientHandler
{
    ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == certificate.Thumbprint,
});
var metrics = await metricsClient.GetStringAsync($"https://{https}/metrics");
double Sample(string name) => metrics.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal))
    .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
var accepted = Sample("gatehouse_messages_accepted_total");
var flushes = Sample("gatehouse_spool_flushes_total");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"gatehouse spool flushes (group commits): {flushes:F0} for {accepted:F0} messages accepted, {flushes / accepted:F2} per message"));

async Task<Round> RunRoundAsync(IPEndPoint server, TlsSink sink, int clientCount, int perClient, string prefix)
{
    var started = new ConcurrentDictionary<string, long>();
    var begin = Stopwatch.GetTimestamp();
    var accept = await SmtpLoad.RunAsync(server, clientCount, perClient, body, "user@relay.test", prefix, subject => started[subject] = Stopwatch.GetTimestamp());
    List<long> Arrived() => [.. started.Keys.Where(sink.Arrivals.ContainsKey).Select(k => sink.Arrivals[k])];
    try
    {
        await Wait.UntilAsync(() => Arrived().Count >= accept.Accepted, $"{prefix}: every accepted message reached the sink", TimeSpan.FromSeconds(120));
    }
    catch (TimeoutException)
    {
        // Reported as lost.
    }

    var arrived = Arrived();
    var elapsed = Stopwatch.GetElapsedTime(begin, arrived.DefaultIfEmpty(Stopwatch.GetTimestamp()).Max());
    var endToEnd = started.Where(s => sink.Arrivals.ContainsKey(s.Key)).Select(s => Stopwatch.GetElapsedTime(s.Value, sink.Arrivals[s.Key]).TotalMilliseconds).Order().ToList();
    return new Round(accept, arrived.Count, accept.Accepted - arrived.Count, elapsed, endToEnd);
}

static double Percentile(List<double> sorted, double p) => BenchmarkArguments.Percentile(sorted, p);

internal sealed record Round(SmtpLoad.Result Accept, int Arrived, int Lost, TimeSpan Elapsed, List<double> EndToEndMs)
{
    public double PerSecond => Arrived / Elapsed.TotalSeconds;
}
