using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Benchmarks.RelayLoad;
using Gatehouse.Harness;

// Relay throughput and end-to-end latency: STARTTLS in, queue, STARTTLS out. A Gatehouse node
// and two Postfix instances (defaults; TLS connection reuse) relay the same load on the same
// machine, in the same run, each to a downstream of its own: a Postfix receiver with its queue
// on disk (STARTTLS required), or with --sink an in-process sink that answers at once. End-to-end
// latency is from the client's connect to the downstream taking the message; throughput is
// messages arrived per second of the whole round. Downstreams count arrivals by Message-ID, so
// a message lost or delivered twice shows, and the connections, full TLS handshakes and
// connections that carried no message each relay made.
// Then memory per idle STARTTLS session on each relay after its load: the proportional set
// size of its process tree with sessions waiting after STARTTLS and EHLO, against before.
// Usage: [--clients N] [--messages M] [--rounds R] [--plain] [--per-connection K] [--idle-sessions S] [--sink]
//        [--gatehouse-only] (the node alone, to profile it: the node's pid is printed first)
//        [--dkim rsa-2048|ed25519] (every relay DKIM-signs each message: the node itself, Postfix
//        through an OpenDKIM milter, both with the same key)
//        [--verify] (every relay checks SPF, DKIM and DMARC on each message: the node itself,
//        Postfix through OpenDKIM and OpenDMARC milters; their CPU counts as Postfix's)
//        [--scan] (every relay hands each message to its own clamd and rspamd: the node as content
//        scanners, Postfix through clamav-milter and rspamd's milter; their CPU counts as the relay's)
var (clients, messages, rounds) = BenchmarkArguments.Load(args);
var body = BenchmarkArguments.Body;
var inProcessSink = args.Contains("--sink");
var dkim = Array.IndexOf(args, "--dkim") is >= 0 and var at && at + 1 < args.Length ? args[at + 1] : null;
var scan = args.Contains("--scan");

await using var cluster = await TestCluster.StartAsync(nodes: 1);
var node = cluster.Node("node1");
var pem = await cluster.Manager.CertificateWithKeyPemAsync("demo");
using var certificate = X509Certificate2.CreateFromPem(pem, pem);
var chainFile = Path.Combine(cluster.Root, "downstream.pem");
await File.WriteAllTextAsync(chainFile, pem);
await using var gatehouseSink = await DownstreamAsync("downstream-gatehouse", "127.0.1.50");
await using var postfixSink = await DownstreamAsync("downstream-postfix", "127.0.1.51");

var gatehouse = new IPEndPoint(node.Address, FreePort.On(node.Address));
await using var checks = args.Contains("--verify") ? await InboundChecks.StartAsync(cluster, body, "user@relay.test") : null;
var shape = new SmtpLoad.Shape(StartTls: !args.Contains("--plain"), PerConnection: BenchmarkArguments.Option(args, "--per-connection", 1), Headers: checks?.Signature ?? "");
var signingKey = dkim is null ? null : await SigningKeyAsync(dkim);
if (signingKey is not null)
{
    (await cluster.Manager.CliAsync("signingkeys", "import", "bench", signingKey)).Succeeded();
    (await cluster.Manager.LoadConfigAsync("dkim_profiles: [{name: Bench, domain: sender.test, selector: bench, key: bench}]", merge: true)).Succeeded();
}

await using var nodeScanners = scan ? await ScanningPeers.StartAsync(Path.Combine(cluster.Root, "scanners-gatehouse"), IPAddress.Parse("127.0.1.60"), asMilters: false) : null;
if (nodeScanners is not null)
{
    (await cluster.Manager.LoadConfigAsync(nodeScanners.ScannersYaml, merge: true)).Succeeded();
}

var https = new IPEndPoint(node.Address, FreePort.On(node.Address));
(await cluster.Manager.LoadConfigAsync($$$"""
    hostname: relay.bench.test
    ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: relay.bench.test,
                     https: {enabled: true, port: {{{https.Port}}}, certificate: demo, anonymous_read: true}}]
    mail_flow_policies: [{name: LOAD, behavior: relay, tls: preferred, max_concurrent_connections_per_ip: 1000, dkim_sign: {{{(dkim is not null ? "true" : "false")}}}{{{(checks is null ? "" : $", verify: {InboundChecks.Policy}")}}}{{{(scan ? ", scanners: [Virus, Spam]" : "")}}}}]
    {{{(checks is null ? "" : $"system: {{dns_servers: [\"{checks.Dns.Endpoint}\"]}}")}}}
    sender_groups: [{name: LOCAL, policy: LOAD, members: [127.0.0.0/8]}]
    listeners: [{name: Relay, type: private, interface: Data1, port: {{{gatehouse.Port}}}, certificate: demo, host_access_table: [LOCAL], default_policy: LOAD}]
    smtp_routes: [{domain: relay.test, hosts: [{host: {{{gatehouseSink.Endpoint.Address}}}, port: {{{gatehouseSink.Endpoint.Port}}}}]}]
    destination_controls: [{domain: relay.test, tls: required, max_concurrent_connections: 20, max_messages_per_connection: 50}]
    """, machine: "node1", merge: true)).Succeeded();
await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("relay benchmark"));
await Wait.UntilAsync(() => FreePort.Accepts(gatehouse), "the relay listener accepts");

// Postfix twice: at its defaults (a new TLS session per delivery) and with
// smtp_tls_connection_reuse = yes (tlsproxy keeps TLS connections for the next message).
// Same certificate, STARTTLS in and (encrypt) out, 20 connections to the sink like the node.
PostfixMilters?[] milters = [await MiltersAsync("milters-postfix"), await MiltersAsync("milters-postfix-reuse")];
ScanningPeers?[] scanners = scan
    ? [await ScanningPeers.StartAsync(Path.Combine(cluster.Root, "scanners-postfix"), IPAddress.Parse("127.0.1.61"), asMilters: true),
        await ScanningPeers.StartAsync(Path.Combine(cluster.Root, "scanners-postfix-reuse"), IPAddress.Parse("127.0.1.62"), asMilters: true)]
    : [null, null];
await using var milterProcesses = new Disposables([.. milters.OfType<PostfixMilters>(), .. scanners.OfType<ScanningPeers>()]);
var postfixDefaults = await StartPostfixAsync("postfix", "127.0.0.200", postfixSink, reuse: false, milters[0]?.Sockets ?? scanners[0]?.Milters);
await using var postfixReuseSink = await DownstreamAsync("downstream-postfix-reuse", "127.0.1.52");
var postfixReuse = await StartPostfixAsync("postfix-reuse", "127.0.0.201", postfixReuseSink, reuse: true, milters[1]?.Sockets ?? scanners[1]?.Milters);
await using var postfixes = new Disposables(postfixDefaults, postfixReuse);

Relay[] relays =
[
    new("gatehouse", gatehouse, gatehouseSink, [node.Process.Id, .. nodeScanners?.ProcessIds ?? []]),
    .. args.Contains("--gatehouse-only") ? Array.Empty<Relay>() :
    [
        new("postfix", postfixDefaults.Smtpd, postfixSink, [postfixDefaults.ProcessId, .. milters[0]?.ProcessIds ?? [], .. scanners[0]?.ProcessIds ?? []]),
        new("postfix-reuse", postfixReuse.Smtpd, postfixReuseSink, [postfixReuse.ProcessId, .. milters[1]?.ProcessIds ?? [], .. scanners[1]?.ProcessIds ?? []]),
    ],
];

Console.WriteLine($"node pid {node.Process.Id}");
Console.WriteLine($"relay, {(shape.StartTls ? "STARTTLS" : "plain")} in and STARTTLS out to {(inProcessSink ? "an in-process sink" : "Postfix with its queue on disk")}: {clients} concurrent clients x {messages} messages, {rounds} rounds after one warm-up round, {shape.PerConnection} message(s) per connection in, {body.Length / 1024.0:F1} KB messages{(dkim is null ? "" : $", each relay signing each ({dkim}; Postfix with OpenDKIM)")}{(checks is null ? "" : ", each relay checking SPF, DKIM and DMARC on each (Postfix with OpenDKIM and OpenDMARC)")}{(scan ? ", each relay scanning each with clamd and rspamd (Postfix through clamav-milter and rspamd's milter)" : "")}");
// Not counted: the node compiles its hot paths during its first thousand messages or so
// (tiered JIT), which a relay that runs for days pays once.
foreach (var relay in relays)
{
    await RunRoundAsync(relay, clients, messages, $"warmup-{relay.Name}");
}

// Each relay must have done the work measured: the downstream's mail carries its signature or its results.
foreach (var relay in relays.Where(r => r.Sink is PostfixDownstream && (dkim is not null || checks is not null || scan)))
{
    var header = ((PostfixDownstream)relay.Sink).OneHeader() ?? "";
    string[] expected = dkim is not null ? ["DKIM-Signature:", "d=sender.test", "s=bench", dkim == "ed25519" ? "a=ed25519-sha256" : "a=rsa-sha256"]
        : checks is not null ? ["dkim=pass", "dmarc=pass"]
        : ["X-Spamd-Result:"];
    var missing = expected.Where(e => !header.Contains(e, StringComparison.OrdinalIgnoreCase)).ToList();
    if (missing.Count > 0)
    {
        throw new InvalidOperationException($"{relay.Name}'s mail arrives without {string.Join(", ", missing)}:\n{header}");
    }

    Console.WriteLine($"{relay.Name}: mail arrives with {string.Join(", ", expected)}");
}

Console.WriteLine("round  relay          msgs/s  e2e_p50_ms  e2e_p99_ms  accept_p99_ms  failed  lost");
var countsBefore = relays.ToDictionary(r => r.Name, r => r.Sink.Counts);
var duplicatesBefore = relays.ToDictionary(r => r.Name, r => r.Sink.Duplicates);
for (var round = 1; round <= rounds; round++)
{
    foreach (var relay in relays)
    {
        var relayCpu = relay.ProcessCpu();
        var ownCpu = OwnCpu();
        var result = await RunRoundAsync(relay, clients, messages, $"r{round}-{relay.Name}");
        relay.Cpu += relay.ProcessCpu() - relayCpu;
        relay.LoadCpu += OwnCpu() - ownCpu;
        relay.Rounds.Add(result);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{round,-5}  {relay.Name,-13} {result.PerSecond,7:F1}  {Percentile(result.EndToEndMs, 0.5),10:F1}  {Percentile(result.EndToEndMs, 0.99),10:F1}  {Percentile(result.Accept.LatenciesMs, 0.99),13:F1}  {result.Accept.Failed,6}  {result.Lost,4}"));
        if (result.Accept.Refusal is { } refusal)
        {
            Console.WriteLine($"       {relay.Name} refused or dropped messages: {refusal}");
        }
    }
}

Console.WriteLine();
Console.WriteLine("relay          msgs/s  e2e_p50_ms  e2e_p99_ms  cpu_ms/msg  load_cpu_ms/msg  out_conns/msg  full_handshakes/msg  idle_conns  lost  duplicated");
foreach (var relay in relays)
{
    var latencies = relay.Rounds.SelectMany(r => r.EndToEndMs).Order().ToList();
    var counts = relay.Sink.Counts - countsBefore[relay.Name];
    var handshakes = counts.FullHandshakes is { } full ? (full / (double)relay.Arrived).ToString("F3", CultureInfo.InvariantCulture) : "-";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{relay.Name,-13} {relay.PerSecond,7:F1}  {Percentile(latencies, 0.5),10:F1}  {Percentile(latencies, 0.99),10:F1}  {relay.CpuPerMessage,10:F2}  {relay.LoadCpuPerMessage,15:F2}  {counts.Connections / (double)relay.Arrived,13:F3}  {handshakes,19}  {counts.Idle,10}  {relay.Rounds.Sum(r => r.Lost),4}  {relay.Sink.Duplicates - duplicatesBefore[relay.Name],10}"));
}

var g = relays[0];
foreach (var peer in relays.Skip(1))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"gatehouse / {peer.Name}: throughput {g.PerSecond / peer.PerSecond:F2}x, relay cpu per message {g.CpuPerMessage / peer.CpuPerMessage:F2}x"));
}

// The generator (and the sinks, with --sink) run in this process: when they work harder than a
// relay, that relay's figures are bounded by them, not by itself.
foreach (var relay in relays.Where(r => r.LoadCpuPerMessage > r.CpuPerMessage))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"note: the generator used more CPU than {relay.Name} ({relay.LoadCpuPerMessage:F2} against {relay.CpuPerMessage:F2} ms per message)"));
}

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
    $"gatehouse spool flushes before 250 (group commits): {flushes:F0} for {accepted:F0} messages accepted, {flushes / accepted:F2} per message"));

// Postfix runs an smtpd process per session, up to its process limit (200 here): it gets a
// tenth of the node's sessions (at most 150), still enough to show its cost per session.
var idleSessions = BenchmarkArguments.Option(args, "--idle-sessions", 1000);
// Read after quiet seconds: the node gives back what a burst left at its first quiet 2-second
// period, and Postfix's processes have settled.
var idleSettle = TimeSpan.FromSeconds(8);
Console.WriteLine();
Console.WriteLine("relay          idle_sessions  pss_before_mb  pss_open_mb  kb/idle_starttls_session");
foreach (var relay in relays)
{
    var count = relay == g ? idleSessions : Math.Clamp(idleSessions / 10, 1, 150);
    await Task.Delay(idleSettle);
    var before = ProcessMemory.TreeKb(relay.ProcessIds[0]);
    await using var open = new IdleSmtpSessions();
    await open.OpenAsync(relay.Smtpd, count, tls: true);
    await Task.Delay(idleSettle);
    var after = ProcessMemory.TreeKb(relay.ProcessIds[0]);
    relay.IdleSessionKb = (after - before) / (double)count;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{relay.Name,-13} {count,14}  {before / 1024.0,13:F1}  {after / 1024.0,11:F1}  {relay.IdleSessionKb,24:F1}"));
}

foreach (var peer in relays.Skip(1))
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"gatehouse / {peer.Name}: memory per idle STARTTLS session {g.IdleSessionKb / peer.IdleSessionKb:F3}x"));
}

static TimeSpan OwnCpu()
{
    using var self = Process.GetCurrentProcess();
    return self.TotalProcessorTime;
}

async Task<IDownstream> DownstreamAsync(string name, string address)
{
    var at = IPAddress.Parse(address);
    return inProcessSink ? new TlsSink(new IPEndPoint(at, 0), certificate)
        : await PostfixDownstream.StartAsync(Directory.CreateDirectory(Path.Combine(cluster.Root, name)).FullName, new IPEndPoint(at, FreePort.On(at)), chainFile);
}

// The same key for the node and OpenDKIM, made here so that both can have it.
async Task<string> SigningKeyAsync(string algorithm)
{
    var file = Path.Combine(cluster.Root, "bench-signing.pem");
    string[] make = algorithm switch
    {
        "rsa-2048" => ["genrsa", "-traditional", "-out", file, "2048"],
        "ed25519" => ["genpkey", "-algorithm", "ed25519", "-out", file],
        _ => throw new ArgumentException($"--dkim {algorithm}: rsa-2048 or ed25519"),
    };
    (await ManagedProcess.RunProgramAsync("openssl", make)).Succeeded();
    return file;
}

async Task<PostfixMilters?> MiltersAsync(string name)
{
    var work = Path.Combine(cluster.Root, name);
    return signingKey is not null ? await PostfixMilters.SigningAsync(work, await File.ReadAllTextAsync(signingKey), dkim!)
        : checks is not null ? await PostfixMilters.VerifyingAsync(work, checks.Dns.Endpoint, checks.PublicKey, "relay.postfix.test")
        : null;
}

async Task<PostfixInstance> StartPostfixAsync(string name, string address, IDownstream sink, bool reuse, string? milterSockets)
{
    var directory = Directory.CreateDirectory(Path.Combine(cluster.Root, name)).FullName;
    await File.WriteAllTextAsync(Path.Combine(directory, "server.pem"), pem);
    var listen = IPAddress.Parse(address);
    var settings = new Dictionary<string, string>
    {
        ["smtpd_tls_security_level"] = "may",
        ["smtpd_tls_chain_files"] = Path.Combine(directory, "server.pem"),
        ["relay_domains"] = "relay.test",
        ["relayhost"] = $"[{sink.Endpoint.Address}]:{sink.Endpoint.Port}",
        ["smtp_tls_security_level"] = "encrypt",
        ["smtp_tls_loglevel"] = "0",
        ["default_destination_concurrency_limit"] = "20",
        ["smtpd_client_connection_count_limit"] = "0",
        ["smtpd_client_connection_rate_limit"] = "0",
        ["default_process_limit"] = "200",
        ["in_flow_delay"] = "0",
    };
    if (reuse)
    {
        settings["smtp_tls_connection_reuse"] = "yes";
    }

    if (milterSockets is not null)
    {
        settings["smtpd_milters"] = milterSockets;
        settings["milter_default_action"] = "tempfail";
    }

    return await PostfixInstance.StartAsync(directory, new IPEndPoint(listen, FreePort.On(listen)), settings);
}

async Task<Round> RunRoundAsync(Relay relay, int clientCount, int perClient, string prefix)
{
    var started = new ConcurrentDictionary<string, long>();
    var begin = Stopwatch.GetTimestamp();
    var accept = await SmtpLoad.RunAsync(relay.Smtpd, clientCount, perClient, body, "user@relay.test", prefix, subject => started[$"<{subject}@load.sender.test>"] = Stopwatch.GetTimestamp(), shape);
    var sink = relay.Sink;
    List<long> Arrived() => [.. started.Keys.Where(sink.Arrivals.ContainsKey).Select(k => sink.Arrivals[k])];
    try
    {
        await Wait.UntilAsync(() => Arrived().Count >= accept.Accepted, $"{prefix}: every accepted message reached the downstream", TimeSpan.FromSeconds(120));
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

/// <summary>One relay under test: where it listens, its sink, its process trees (the MTA's first, then its milters') and what its counted rounds measured.</summary>
internal sealed record Relay(string Name, IPEndPoint Smtpd, IDownstream Sink, IReadOnlyList<int> ProcessIds)
{
    public TimeSpan ProcessCpu() => ProcessIds.Aggregate(TimeSpan.Zero, (sum, pid) => sum + Gatehouse.Harness.ProcessCpu.TreeOf(pid));

    public List<Round> Rounds { get; } = [];

    public TimeSpan Cpu { get; set; }

    /// <summary>This process's CPU (generator and sinks) during the relay's rounds.</summary>
    public TimeSpan LoadCpu { get; set; }

    public int Arrived => Rounds.Sum(r => r.Arrived);

    public double PerSecond => Arrived / Rounds.Sum(r => r.Elapsed.TotalSeconds);

    public double CpuPerMessage => Cpu.TotalMilliseconds / Arrived;

    public double LoadCpuPerMessage => LoadCpu.TotalMilliseconds / Arrived;

    public double IdleSessionKb { get; set; }
}

internal sealed class Disposables(params IAsyncDisposable[] items) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        foreach (var item in items)
        {
            await item.DisposeAsync();
        }
    }
}
