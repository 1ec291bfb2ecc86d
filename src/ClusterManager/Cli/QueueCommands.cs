using System.CommandLine;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>gatehouse-manager queue …</c>: the nodes' queue commands from one place — on one node
/// with <c>--machine</c>, else on every connected node — with each node's answer.
/// </summary>
internal static class QueueCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var queue = new Command("queue", "Act on the nodes' delivery queues (every connected node, or --machine NODE)");
        var optionalDomain = new Argument<string?>("DOMAIN") { Description = "Only the mail for this domain", Arity = ArgumentArity.ZeroOrOne };
        var domain = new Argument<string>("DOMAIN") { Description = "Recipient domain" };
        var mid = new Argument<long>("MID") { Description = "The message's MID on that node" };
        var host = new Argument<string>("HOST") { Description = "host, host:port or [host]:port (no MX lookup)" };
        (string Name, string Description, Argument? Argument, bool NeedsNode, Func<ParseResult, (string? Domain, long? Mid)> Target)[] commands =
        [
            ("summary", "The queue by domain: messages, pending recipients, oldest", null, false, _ => (null, null)),
            ("flush", "Retry the queued mail now, or only DOMAIN's", optionalDomain, false, r => (r.GetValue(optionalDomain), null)),
            ("suspend", "Suspend delivery to DOMAIN until resumed (kept across node restarts)", domain, false, r => (r.GetValue(domain), null)),
            ("resume", "Resume delivery to DOMAIN", domain, false, r => (r.GetValue(domain), null)),
            ("suspended", "List the suspended domains", null, false, _ => (null, null)),
            ("delete", "Delete a waiting message from a node's queue (no notice to its sender)", mid, true, r => (null, r.GetValue(mid))),
            ("bounce", "Bounce a waiting message's pending recipients: its sender gets a DSN", mid, true, r => (null, r.GetValue(mid))),
            ("redirect", "Send a waiting message's pending recipients to HOST instead, now and on every retry", mid, true, r => (null, r.GetValue(mid))),
            ("release", "Release a message a content scanner quarantined on that node: it is delivered now", mid, true, r => (null, r.GetValue(mid))),
        ];
        foreach (var (name, description, argument, needsNode, target) in commands)
        {
            var machine = new Option<string>("--machine") { Description = "The node (default: every connected node)", Required = needsNode };
            var command = new Command(name, description) { machine };
            if (argument is not null)
            {
                command.Add(argument);
            }

            if (name == "redirect")
            {
                command.Add(host);
            }

            command.SetAction(async (result, cancel) =>
            {
                using var client = connection.Connect(result);
                var (d, m) = target(result);
                var answers = await client.SendAsync<List<QueueNodeAnswer>>(HttpMethod.Post, "api/v1/queue", new QueueRequest(name, d, m, result.GetValue(machine), name == "redirect" ? result.GetValue(host) : null), cancel);
                if (answers.Count == 0)
                {
                    throw new CliException("no node is connected");
                }

                foreach (var answer in answers)
                {
                    // One line per node; a many-line answer (summary, suspended) indented under it.
                    var lines = answer.Message.Split('\n');
                    Console.WriteLine($"{answer.Node}: {(answer.Ok ? "" : "refused: ")}{(lines.Length == 1 ? lines[0] : "")}");
                    foreach (var line in lines.Length == 1 ? [] : lines)
                    {
                        Console.WriteLine($"    {line}");
                    }
                }

                return answers.All(a => a.Ok) ? 0 : 2;
            });
            queue.Add(command);
        }

        return queue;
    }
}
