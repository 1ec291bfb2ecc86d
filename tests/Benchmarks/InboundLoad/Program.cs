using System.Globalization;
using System.Net;
using Gatehouse.Harness;

// Inbound accept throughput and latency over STARTTLS: a Gatehouse listener and Postfix's
// smtpd receiving the same load into their queues, on the same machine, in the same run.
// Usage: [--clients N] [--messages M] [--rounds R]
var (clients, messages, rounds) = BenchmarkArguments.Load(args);
var body = BenchmarkArguments.Body;

await using var cluster = await TestCluster.StartAsync(nodes: 1);
var node = cluster.Node("node1");
var gatehouse = new IPEndPoint(node.Address, FreePort.On(node.Address));
(await cluster.Manager.LoadConfigAsync($$$"""
    hostname: mx1.example.test
    ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx1.example.test}]
    mail_flow_policies: [{name: LOAD, behavior: accept, tls: preferred}]
    listeners: [{name: In, type: public, interface: Data1, port: {{{gatehouse.Port}}}, certificate: demo, default_policy: LOAD, recipient_access_table: [{recipient: example.test, action: accept}]}]
    """, machine: "node1", merge: true)).Succeeded();
await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("load listener"));
await Wait.UntilAsync(() => FreePort.Accepts(gatehouse), "the listener accepts");

// Postfix gets the same demo certificate and keeps what it accepts in its queue.
var postfixDirectory = Path.Combine(cluster.Root, "postfix");
Directory.CreateDirectory(postfixDirectory);
await File.WriteAllTextAsync(Path.Combine(postfixDirectory, "server.pem"), await cluster.Manager.CertificateWithKeyPemAsync("demo"));

var postfixAddress = IPAddress.Parse("127.0.0.200");
await using var postfix = await PostfixInstance.StartAsync(postfixDirectory, new IPEndPoint(postfixAddress, FreePort.On(postfixAddress)), new Dictionary<string, string>
{
    ["smtpd_tls_security_level"] = "may",
    ["smtpd_tls_chain_files"] = Path.Combine(postfixDirectory, "server.pem"),
    ["relay_domains"] = "example.test",
    ["defer_transports"] = "smtp relay",
    ["smtpd_client_connection_count_limit"] = "0",
    ["smtpd_client_connection_rate_limit"] = "0",
    ["default_process_limit"] = "200",
    // Postfix slows smtpd when its queue manager lags; nothing is delivered here, so measure accept alone.
    ["in_flow_delay"] = "0",
});

Console.WriteLine($"inbound accept over STARTTLS: {clients} concurrent clients x {messages} messages, {rounds} rounds, one connection per message");
Console.WriteLine("round  server     msgs/s  p50_ms  p99_ms  failed");
var totals = new Dictionary<string, List<SmtpLoad.Result>> { ["gatehouse"] = [], ["postfix"] = [] };
await SmtpLoad.RunAsync(gatehouse, 4, 5, body);
await SmtpLoad.RunAsync(postfix.Smtpd, 4, 5, body);
for (var round = 1; round <= rounds; round++)
{
    foreach (var (name, server) in new[] { ("gatehouse", gatehouse), ("postfix", postfix.Smtpd) })
    {
        var result = await SmtpLoad.RunAsync(server, clients, messages, body);
        totals[name].Add(result);
        Print(round.ToString(CultureInfo.InvariantCulture), name, result);
    }
}

var g = totals["gatehouse"].Sum(r => r.Accepted) / totals["gatehouse"].Sum(r => r.Elapsed.TotalSeconds);
var p = totals["postfix"].Sum(r => r.Accepted) / totals["postfix"].Sum(r => r.Elapsed.TotalSeconds);
var gLatencies = totals["gatehouse"].SelectMany(r => r.LatenciesMs).Order().ToList();
var pLatencies = totals["postfix"].SelectMany(r => r.LatenciesMs).Order().ToList();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"all    gatehouse {g,7:F1}  {Percentile(gLatencies, 0.5),6:F1}  {Percentile(gLatencies, 0.99),6:F1}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"all    postfix   {p,7:F1}  {Percentile(pLatencies, 0.5),6:F1}  {Percentile(pLatencies, 0.99),6:F1}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"ratio gatehouse/postfix: throughput {g / p:F2}, p50 latency {Percentile(gLatencies, 0.5) / Percentile(pLatencies, 0.5):F2}, p99 latency {Percentile(gLatencies, 0.99) / Percentile(pLatencies, 0.99):F2}"));

static void Print(string round, string name, SmtpLoad.Result r) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{round,-5}  {name,-9} {r.Accepted / r.Elapsed.TotalSeconds,7:F1}  {Percentile(r.LatenciesMs, 0.5),6:F1}  {Percentile(r.LatenciesMs, 0.99),6:F1}  {r.Failed,6}"));

static double Percentile(List<double> sorted, double p) => BenchmarkArguments.Percentile(sorted, p);
