using System.Globalization;
using System.Net;
using Gatehouse.Harness;

// Memory of idle SMTP sessions on a node: its resident set when idle after start and a warm-up,
// then with N/2 and N sessions open and waiting after EHLO — in clear, or after STARTTLS — and
// what each costs: on average over all N, and at the margin (the second half only, so that what
// the node grows once — thread pool threads, first-use caches — is left out).
// Each figure is read once the node has been quiet for a while: it gives back what a burst left
// (a full collection and malloc_trim) at its first quiet 2-second period.
// Usage: [--sessions N] (default 2000)
var sessions = args is ["--sessions", var n] ? int.Parse(n, CultureInfo.InvariantCulture) : 2000;

var Settle = TimeSpan.FromSeconds(8);

// Each kind on a node of its own, so one kind never reuses memory the other left behind.
Console.WriteLine("sessions  kind       rss_idle_mb  rss_open_mb  per_session_kb  marginal_kb");
foreach (var tls in new[] { false, true })
{
    await using var cluster = await TestCluster.StartAsync(nodes: 1);
    var node = cluster.Node("node1");
    var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
    (await cluster.Manager.LoadConfigAsync($$$"""
        hostname: mx1.example.test
        system: {smtp: {max_connections: {{{sessions + 100}}}}}
        ip_interfaces: [{name: Data1, address: {{{node.Address}}}, hostname: mx1.example.test}]
        mail_flow_policies: [{name: IDLE, behavior: accept, tls: preferred, max_concurrent_connections_per_ip: {{{sessions + 100}}}}]
        listeners: [{name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, certificate: demo, default_policy: IDLE, recipient_access_table: [{recipient: example.test, action: accept}]}]
        """, machine: "node1", merge: true)).Succeeded();
    await node.WaitAppliedAsync(await cluster.Manager.CommitAsync("idle sessions"));
    await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");

    var pid = node.Process.Id;
    // Warm up: the first sessions load code and TLS state that any later session reuses.
    await using (var warmUp = new IdleSmtpSessions())
    {
        await warmUp.OpenAsync(smtp, 20, tls: true);
    }

    await Task.Delay(Settle);
    var idle = Rss(pid);
    await using var open = new IdleSmtpSessions();
    await open.OpenAsync(smtp, sessions / 2, tls);
    await Task.Delay(Settle);
    var half = Rss(pid);
    await open.OpenAsync(smtp, sessions - sessions / 2, tls);
    await Task.Delay(Settle);
    var during = Rss(pid);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{sessions,-8}  {(tls ? "starttls" : "plain"),-9}  {idle / 1024.0,11:F1}  {during / 1024.0,11:F1}  {(during - idle) / (double)sessions,14:F1}  {(during - half) / (double)(sessions - sessions / 2),11:F1}"));
}

// Resident set of a process in KB, as the kernel counts it.
static long Rss(int pid) =>
    long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
