using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Gatehouse.Harness;

// The node's memory while URL filtering examines many large HTML messages at once: N clients
// each send one message of M MB of HTML full of links, all at the same time; the node's peak
// memory (PSS of its process) with URL filtering on, then off, in the same run. Mail stays
// queued (its route is closed), so the figure is reception and extraction alone.
// Usage: [--clients 200] [--megabytes 10]
var clients = Option("--clients", 200);
var megabytes = Option("--megabytes", 10);

await using var cluster = await TestCluster.StartAsync(nodes: 1);
var node = cluster.Node("node1");
var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "urls")).FullName;
var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "Verdicts");
var server = await ca.IssueAsync("localhost", "service");
var client = await ca.IssueAsync("node1.gateway.test", "url-client", ["extendedKeyUsage=clientAuth"]);
var cas = await ca.TrustBundleAsync();
await using var nginx = await Nginx.StartAsync(Path.Combine(work, "nginx"), await ca.ChainAsync(server.Certificate), server.Key, cas);
var m = cluster.Manager;
(await m.CliAsync("certconfig", "ca", "import", cas)).Succeeded();
(await m.CliAsync("certconfig", "paste", "url-client", "--cert", await ca.ChainAsync(client.Certificate), "--key", client.Key)).Succeeded();
var smtp = new IPEndPoint(node.Address, FreePort.On(node.Address));
var closed = FreePort.On(IPAddress.Loopback);
var limit = (megabytes + 2) * 1024 * 1024;
string Config(bool filtering) => $$$"""
    ip_interfaces: [{name: Data1, address: {{{node.Address}}}}]
    mail_flow_policies: [{name: P, behavior: accept, tls: off, max_message_size_bytes: {{{limit}}}}]
    smtp_routes: [{domain: example.test, hosts: [{host: 127.0.0.1, port: {{{closed}}}}]}]
    listeners: [{name: In, type: public, interface: Data1, port: {{{smtp.Port}}}, default_policy: P, recipient_access_table: [{recipient: example.test, action: accept}]}]
    web_security: {enabled: {{{(filtering ? "true" : "false")}}}, service_url: '{{{nginx.ServiceUrl}}}', client_certificate: url-client}
    """;

var message = Html(megabytes);
Console.WriteLine($"URL filtering memory: {clients} clients at once, each one {message.Length / 1048576.0:F1} MB HTML message; node PSS in MB");
Console.WriteLine("url_filtering  accepted  failed  seconds  idle_mb  peak_mb  peak-idle_mb");
foreach (var filtering in new[] { true, false })
{
    (await m.LoadConfigAsync(Config(filtering), machine: "node1", merge: true)).Succeeded();
    await node.WaitAppliedAsync(await m.CommitAsync($"URL filtering {(filtering ? "on" : "off")}"));
    await Wait.UntilAsync(() => FreePort.Accepts(smtp), "the listener accepts");
    await Task.Delay(2000);
    var idle = ProcessMemory.TreeKb(node.Process.Id);
    var peak = idle;
    using var stop = new CancellationTokenSource();
    var sampling = Task.Run(async () =>
    {
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, ProcessMemory.TreeKb(node.Process.Id));
            await Task.Delay(50, CancellationToken.None);
        }
    });
    var clock = Stopwatch.StartNew();
    using var start = new SemaphoreSlim(0);
    var sends = Enumerable.Range(0, clients).Select(i => SendAsync(smtp, message, start)).ToList();
    start.Release(clients);
    var replies = await Task.WhenAll(sends);
    clock.Stop();
    await stop.CancelAsync();
    await sampling;
    var accepted = replies.Count(r => r?.StartsWith("250", StringComparison.Ordinal) == true);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{(filtering ? "on" : "off"),-13}  {accepted,8}  {clients - accepted,6}  {clock.Elapsed.TotalSeconds,7:F1}  {idle / 1024.0,7:F0}  {peak / 1024.0,7:F0}  {(peak - idle) / 1024.0,12:F0}"));
    foreach (var failure in replies.Where(r => r?.StartsWith("250", StringComparison.Ordinal) != true).Distinct().Take(3))
    {
        Console.WriteLine($"  failure: {failure}");
    }
}

return 0;

static async Task<string?> SendAsync(IPEndPoint server, byte[] message, SemaphoreSlim start)
{
    await start.WaitAsync();
    try
    {
        await using var probe = await SmtpProbe.ConnectAsync(server);
        await probe.ReplyAsync(TimeSpan.FromMinutes(2));
        foreach (var command in new[] { "EHLO load.sender.test", "MAIL FROM:<a@sender.test>", "RCPT TO:<b@example.test>", "DATA" })
        {
            var reply = await probe.CommandAsync(command);
            if (reply is null || reply[0] is '4' or '5')
            {
                return $"{command}: {reply}";
            }
        }

        await probe.SendBytesAsync(message);
        return await probe.ReplyAsync(TimeSpan.FromMinutes(5));
    }
    catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or TimeoutException)
    {
        return $"{e.GetType().Name}: {e.Message}";
    }
}

// Headers, then HTML lines each with a link (40 distinct ones, fewer than the 50 a message may have,
// so that the whole text is examined), up to the size, then the final dot.
static byte[] Html(int megabytes)
{
    var text = new StringBuilder("Subject: links\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>\r\n");
    for (var i = 0; text.Length < megabytes * 1024 * 1024; i++)
    {
        text.Append(CultureInfo.InvariantCulture, $"<p>Offer {i}: <a href=\"https://site{i % 40}.example.test/page?id={i % 40}\">read more</a> &amp; more text here</p>\r\n");
    }

    return Encoding.ASCII.GetBytes(text.Append("</body></html>\r\n.\r\n").ToString());
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
