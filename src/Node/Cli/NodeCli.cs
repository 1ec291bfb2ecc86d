using System.CommandLine;
using Gatehouse.Node.Hosting;
using Gatehouse.Node.Runtime;

namespace Gatehouse.Node.Cli;

/// <summary>The <c>gatehouse-node</c> command line.</summary>
internal static class NodeCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            return await Build().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (NodeCliException e)
        {
            Console.Error.WriteLine($"gatehouse-node: error: {e.Message}");
            return 1;
        }
    }

    private static RootCommand Build()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Directory holding the node's identity and state", Required = true };

        var managers = new Option<string[]>("--manager") { Description = "Manager URL; repeat for several replicas", Required = true, AllowMultipleArgumentsPerToken = true };
        var token = new Option<string>("--token") { Description = "One-time join token from 'gatehouse-manager token create' (visible to other users in the process list; prefer --token-file)" };
        var tokenFile = new Option<string>("--token-file") { Description = "File holding the join token" };
        var name = new Option<string>("--name") { Description = "This node's name in the cluster", Required = true };
        var join = new Command("join", "Join a cluster") { managers, token, tokenFile, name, dataDir };
        join.SetAction((result, cancel) => JoinCommand.RunAsync(
            result.GetValue(managers)!.Select(ParseManager).ToList(), JoinToken(result.GetValue(token), result.GetValue(tokenFile)), result.GetValue(name)!, Paths(result, dataDir), cancel));

        var run = new Command("run", "Run the node: apply the cluster's configuration and keep it in sync") { dataDir };
        run.SetAction((result, cancel) => NodeRunner.RunAsync(Paths(result, dataDir), cancel));

        var leave = new Command("leave", "Leave the cluster: the manager deletes this node's machine-level configuration") { dataDir };
        leave.SetAction((result, cancel) => LeaveCommand.RunAsync(Paths(result, dataDir), cancel));

        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var status = new Command("status", "Show membership, manager link and applied version") { dataDir, json };
        status.SetAction(result => StatusCommand.Run(Paths(result, dataDir), result.GetValue(json)));

        var queue = new Command("queue", "List the mail queue: messages, recipients, attempts and last answers") { dataDir };
        queue.SetAction(result => QueueCommand.List(Paths(result, dataDir)));
        var optionalDomain = new Argument<string?>("domain") { Description = "Only the mail for this domain", Arity = ArgumentArity.ZeroOrOne };
        var domain = new Argument<string>("domain") { Description = "Recipient domain" };
        var mid = new Argument<long>("mid") { Description = "The message's MID (see 'gatehouse-node queue')" };
        (string Name, string Description, Argument? Argument, Func<ParseResult, QueueControlRequest> Request)[] controls =
        [
            ("flush", "Retry every queued message now, or only those for DOMAIN (the running node)", optionalDomain, r => new() { Op = "flush", Domain = r.GetValue(optionalDomain) }),
            ("suspend", "Suspend delivery to DOMAIN: nothing is tried until it is resumed, also after a restart", domain, r => new() { Op = "suspend", Domain = r.GetValue(domain) }),
            ("resume", "Resume delivery to DOMAIN; its waiting mail goes now", domain, r => new() { Op = "resume", Domain = r.GetValue(domain) }),
            ("suspended", "List the suspended domains", null, _ => new() { Op = "suspended" }),
            ("delete", "Delete a waiting message from the queue (no notice to its sender)", mid, r => new() { Op = "delete", Mid = r.GetValue(mid) }),
            ("bounce", "Bounce a waiting message's pending recipients: its sender gets a DSN", mid, r => new() { Op = "bounce", Mid = r.GetValue(mid) }),
            ("release", "Release a message a content scanner quarantined: it is delivered now", mid, r => new() { Op = "release", Mid = r.GetValue(mid) }),
        ];
        foreach (var (commandName, description, argument, request) in controls)
        {
            var command = new Command(commandName, description) { dataDir };
            if (argument is not null)
            {
                command.Add(argument);
            }

            command.SetAction((result, cancel) => QueueCommand.ControlAsync(Paths(result, dataDir), request(result), cancel));
            queue.Add(command);
        }

        var redirectMid = new Argument<long>("mid") { Description = "The message's MID" };
        var target = new Argument<string>("host") { Description = "host, host:port or [host]:port (no MX lookup)" };
        var redirect = new Command("redirect", "Send a waiting message's pending recipients to another host, now and on every retry") { dataDir, redirectMid, target };
        redirect.SetAction((result, cancel) => QueueCommand.ControlAsync(Paths(result, dataDir),
            new QueueControlRequest { Op = "redirect", Mid = result.GetValue(redirectMid), RedirectTo = result.GetValue(target) }, cancel));
        queue.Add(redirect);

        var date = new Option<string>("--date") { Description = "The day, YYYY-MM-DD (UTC; default today)" };
        var tlsReport = new Command("tls-report", "This node's outbound TLS sessions of a day per policy domain, as the policies of an RFC 8460 report") { dataDir, date };
        tlsReport.SetAction(result => Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(
            new { policies = DailyRecords<Cluster.TlsRpt.PolicyRecord>.ReadDay(Paths(result, dataDir).TlsReports, Day(result.GetValue(date))) }, DailyRecords<Cluster.TlsRpt.PolicyRecord>.Json)));
        var dmarcReport = new Command("dmarc-report", "This node's DMARC results of a day, counted per source address, From domain, policy and results, as rows of an RFC 7489 aggregate report") { dataDir, date };
        dmarcReport.SetAction(result => Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(
            new { rows = DailyRecords<Cluster.DmarcRpt.DmarcRow>.ReadDay(Paths(result, dataDir).DmarcReports, Day(result.GetValue(date))) }, DailyRecords<Cluster.DmarcRpt.DmarcRow>.Json)));

        return new RootCommand("Gatehouse gateway node") { join, run, leave, status, queue, tlsReport, dmarcReport };
    }

    private static DateOnly Day(string? text) => text is null ? DateOnly.FromDateTime(DateTime.UtcNow)
        : DateOnly.TryParseExact(text, "yyyy-MM-dd", out var parsed) ? parsed : throw new NodeCliException($"--date {text} is not YYYY-MM-DD");

    // Exactly one of --token and --token-file; a file keeps the token out of /proc/PID/cmdline.
    private static string JoinToken(string? token, string? tokenFile) => (token, tokenFile) switch
    {
        (not null, null) => token,
        (null, not null) when File.Exists(tokenFile) => File.ReadAllText(tokenFile).Trim(),
        (null, not null) => throw new NodeCliException($"the token file {tokenFile} does not exist"),
        _ => throw new NodeCliException("give the join token with --token-file FILE (or --token TOKEN)"),
    };

    private static NodePaths Paths(ParseResult result, Option<string> dataDir) => new(Path.GetFullPath(result.GetValue(dataDir)!));

    private static Uri ParseManager(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme == Uri.UriSchemeHttps
            ? url
            : throw new NodeCliException($"--manager must be an https URL such as https://127.0.0.1:9443, not '{text}'");
}
