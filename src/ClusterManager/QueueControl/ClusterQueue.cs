using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.ClusterManager.QueueControl;

/// <summary>
/// A queue command carried to one node, or to every connected node, over their streams (through
/// the replica that holds each): each node answers for itself and a node that does not answer is
/// reported, not skipped. Every command that changes something is in the audit log with its
/// answers. The REST API, the CLI and the GUI's Queue page all come here.
/// </summary>
internal sealed class ClusterQueue(NodeQueries queries, IManagerStore store, AuditLog audit)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly HashSet<string> Ops = ["suspend", "resume", "flush", "delete", "bounce", "redirect", "release", "suspended", "summary"];

    /// <summary>Runs the command; a malformed one throws <see cref="ChangeRejectedException"/> and reaches no node.</summary>
    public async Task<IReadOnlyList<QueueNodeAnswer>> RunAsync(QueueRequest request, string actor, CancellationToken cancel)
    {
        if (!Ops.Contains(request.Op))
        {
            throw new ChangeRejectedException($"unknown queue command '{request.Op}'");
        }

        // Checked here too, not only on the nodes: these go into the audit log.
        if (request.Domain is { } domain && !HostNameSyntax.IsValid(domain.Trim().TrimEnd('.')))
        {
            throw new ChangeRejectedException("the domain is not a domain name");
        }

        if (request.RedirectTo is { } redirectTo && (redirectTo.Length > 300 || redirectTo.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
        {
            throw new ChangeRejectedException("the redirect target is not a host, host:port or [host]:port");
        }

        // The node's name goes into the audit log and to the replicas: a node's name or nothing.
        if (request.Node is { } named && !NodeNames.IsValid(named))
        {
            throw new ChangeRejectedException($"'{NodeText.Bounded(named, 64)}' is not a node name");
        }

        if (request.Mid is not null && request.Node is null)
        {
            throw new ChangeRejectedException("a MID belongs to one node: name it");
        }

        var nodes = request.Node is { } one ? [one] : (await store.ListNodesAsync(cancel)).Where(n => n.Connected).Select(n => n.Name).ToList();
        var command = new QueueCommand { Op = request.Op, Domain = request.Domain ?? "", Mid = request.Mid ?? 0, RedirectTo = request.RedirectTo ?? "" };
        var answers = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                var answer = await queries.AskAsync(node, new NodeQuery { Queue = command }, Timeout, cancel);
                return answer.Error.Length > 0 ? new QueueNodeAnswer(node, false, answer.Error) : new QueueNodeAnswer(node, answer.Queue.Ok, answer.Queue.Message);
            }
            catch (NodeUnreachableException e)
            {
                return new QueueNodeAnswer(node, false, e.Message);
            }
        }));
        if (request.Op is not ("suspended" or "summary"))
        {
            var target = request.Mid is { } mid ? $"MID {mid}{(request.RedirectTo is { } to ? $" to {to}" : "")}" : request.Domain ?? "all domains";
            await audit.RecordAsync(actor, $"queue {request.Op}",
                $"{target} on {(request.Node ?? "every connected node")}: {string.Join("; ", answers.Select(a => $"{a.Node} {(a.Ok ? "ok" : "refused")}: {a.Message}"))}",
                cancel);
        }

        return answers;
    }
}
