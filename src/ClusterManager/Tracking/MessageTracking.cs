using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Store;
using Gatehouse.ClusterManager.Views;
using Google.Protobuf.WellKnownTypes;

namespace Gatehouse.ClusterManager.Tracking;

/// <summary>
/// Message tracking across the cluster (OPS-2): every node is asked over its stream, in parallel,
/// from its own index; a node that cannot answer is reported as such, never skipped. The answers
/// are merged into paths: the hops of one message on several nodes share its Message-ID, so a
/// second round asks the other nodes for the Message-IDs found, and a search by MID on one node
/// still shows where that node sent the message.
/// </summary>
internal sealed class MessageTracking(IManagerStore store, NodeQueries queries)
{
    public const int DefaultLimit = 50;
    private const int MaxText = 320;
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(15);

    public async Task<TrackResult> SearchAsync(TrackRequest request, CancellationToken cancel)
    {
        var query = Query(request);
        var registered = (await store.ListNodesAsync(cancel)).Select(n => n.Name).ToList();
        if (request.Node is { } only && !registered.Contains(only, StringComparer.Ordinal))
        {
            throw new ChangeRejectedException($"no node is named '{only}'");
        }

        var asked = request.Node is { } one ? [one] : registered.Order(StringComparer.Ordinal).ToList();
        var answers = (await AskAllAsync(asked, query, cancel)).ToList();
        var hops = answers.SelectMany(a => a.Hops).ToList();
        var messageIds = hops.Select(h => h.Message.MessageId).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (messageIds.Count > 0 && registered.Count > 1)
        {
            // The same message's hops on the other nodes (and on this one: a message may pass a node twice).
            var byId = new TrackQuery { Limit = query.Limit };
            byId.MessageIds.AddRange(messageIds.Take(200));
            var again = registered.Where(n => !answers.Any(a => a.Node == n && !a.Answered)).Order(StringComparer.Ordinal);
            foreach (var answer in await AskAllAsync(again, byId, cancel))
            {
                hops.AddRange(answer.Hops.Where(h => !hops.Any(k => k.Node == h.Node && k.Message.Mid == h.Message.Mid)));
                if (!answers.Any(a => a.Node == answer.Node))
                {
                    answers.Add(answer);
                }
            }
        }

        var paths = hops
            .GroupBy(h => h.Message.MessageId.Length > 0 ? h.Message.MessageId : $"{h.Node}\n{h.Message.Mid}", StringComparer.Ordinal)
            .Select(Path)
            .OrderByDescending(p => p.FirstSeen)
            .ToList();
        return new TrackResult([.. answers.OrderBy(a => a.Node, StringComparer.Ordinal).Select(a => new TrackNodeAnswer(a.Node, a.Answered, a.Problem, a.Hops.Count, a.Truncated))], paths);
    }

    private static TrackQuery Query(TrackRequest request)
    {
        foreach (var (name, text) in new[] { ("from", request.From), ("to", request.To), ("subject", request.Subject), ("message_id", request.MessageId) })
        {
            if (text is { } t && (t.Length > MaxText || t.Any(char.IsControl)))
            {
                throw new ChangeRejectedException($"{name}: at most {MaxText} characters, none of them control characters");
            }
        }

        if (request.Since is { } since && request.Until is { } until && until <= since)
        {
            throw new ChangeRejectedException("until must be later than since");
        }

        if (request.Mid is < 0 || request.Limit is < 1 or > 200)
        {
            throw new ChangeRejectedException("mid must be positive and limit between 1 and 200");
        }

        var query = new TrackQuery
        {
            Mid = request.Mid ?? 0,
            Sender = request.From?.Trim() ?? "",
            Recipient = request.To?.Trim() ?? "",
            Subject = request.Subject?.Trim() ?? "",
            Since = request.Since is { } s ? Timestamp.FromDateTimeOffset(s) : null,
            Until = request.Until is { } u ? Timestamp.FromDateTimeOffset(u) : null,
            Limit = request.Limit ?? DefaultLimit,
        };
        if (request.MessageId?.Trim() is { Length: > 0 } id)
        {
            query.MessageIds.Add(id);
        }

        return query;
    }

    private async Task<NodeAnswer[]> AskAllAsync(IEnumerable<string> nodes, TrackQuery query, CancellationToken cancel) =>
        await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                var answer = await queries.AskAsync(node, new NodeQuery { Track = query.Clone() }, AnswerTimeout, cancel);
                return answer.Error.Length > 0
                    ? new NodeAnswer(node, false, answer.Error, [], false)
                    : new NodeAnswer(node, true, null, [.. answer.Track.Messages.Select(m => new Hop(node, m))], answer.Track.Truncated);
            }
            catch (NodeUnreachableException e)
            {
                return new NodeAnswer(node, false, e.Message, [], false);
            }
        }));

    private static TrackedPath Path(IEnumerable<Hop> group)
    {
        var hops = group.OrderBy(h => h.Message.Received.ToDateTimeOffset()).ThenBy(h => h.Node, StringComparer.Ordinal).ToList();
        var first = hops[0].Message;
        return new TrackedPath(
            first.MessageId.Length > 0 ? first.MessageId : null,
            hops.Select(h => h.Message.Subject).FirstOrDefault(s => s.Length > 0),
            first.Sender,
            [.. first.Recipients],
            first.Received.ToDateTimeOffset(),
            hops[^1].Message.State,
            [.. hops.Select(View)]);
    }

    private static TrackedHop View(Hop hop)
    {
        var m = hop.Message;
        return new TrackedHop(hop.Node, m.Mid, m.Received.ToDateTimeOffset(), m.Icid, m.Listener, m.InterfaceName, m.RemoteAddress, m.TlsIn, m.Size, m.State,
            m.BounceOf > 0 ? m.BounceOf : null,
            [.. m.Deliveries.Select(d => new TrackedAttempt(d.Dcid, d.At.ToDateTimeOffset(), d.Peer, d.Tls, d.Outcome, d.Response))],
            [.. m.Events.Select(e => new TrackedLine(e.At.ToDateTimeOffset(), e.Line))]);
    }

    private sealed record Hop(string Node, TrackedMessage Message);

    private sealed record NodeAnswer(string Node, bool Answered, string? Problem, List<Hop> Hops, bool Truncated);
}
