using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gatehouse.Node.Hosting;
using Gatehouse.Node.Queue;
using Gatehouse.Node.Runtime;

namespace Gatehouse.Node.Cli;

/// <summary>
/// <c>gatehouse-node queue</c>: what waits for delivery, with each recipient's state and last
/// answer (like <c>mailq</c>); the other <c>queue</c> commands ask the running node to act.
/// </summary>
internal static class QueueCommand
{
    public static int List(NodePaths paths)
    {
        if (!Directory.Exists(paths.Queue))
        {
            Console.WriteLine("Mail queue is empty");
            return 0;
        }

        // Read the files directly: listing works whether or not the node runs, and changes nothing.
        var envelopes = MessageSpool.EnvelopesIn(paths.Queue).ToList();
        if (envelopes.Count == 0)
        {
            Console.WriteLine("Mail queue is empty");
            return 0;
        }

        foreach (var envelope in envelopes)
        {
            var progress = MessageSpool.ProgressIn(paths.Queue, envelope.Mid);
            var next = progress is null ? "now" : progress.NextAttemptAt.ToString("u", CultureInfo.InvariantCulture);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"MID {envelope.Mid}  {envelope.Size} bytes  received {envelope.ReceivedAt:u}  from <{envelope.MailFrom}>  attempts {progress?.Attempts ?? 0}  next {(envelope.Quarantine.Length > 0 && progress?.QuarantineReleased != true ? $"quarantined ({envelope.Quarantine})" : next)}"));
            for (var rid = 0; rid < envelope.Recipients.Count; rid++)
            {
                var state = progress?.Recipients.ElementAtOrDefault(rid) ?? RecipientStatus.Pending;
                var reason = progress?.Reasons.ElementAtOrDefault(rid) is { Length: > 0 } r ? $"  ({r})" : "";
                Console.WriteLine($"    RID {rid} <{envelope.Recipients[rid]}> {state.ToString().ToLowerInvariant()}{reason}");
            }
        }

        Console.WriteLine("By domain:");
        foreach (var line in QueueSummary.Lines(paths.Queue, DateTimeOffset.UtcNow))
        {
            Console.WriteLine($"    {line}");
        }

        Console.WriteLine($"-- {envelopes.Count} message{(envelopes.Count == 1 ? "" : "s")} in the queue");
        return 0;
    }

    /// <summary>Sends one command to the running node over its control socket and prints the answer.</summary>
    public static async Task<int> ControlAsync(NodePaths paths, QueueControlRequest request, CancellationToken cancel)
    {
        if (!File.Exists(paths.ControlSocket))
        {
            throw new NodeCliException("the node is not running (no control socket); start it with 'gatehouse-node run'");
        }

        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(paths.ControlSocket), cancel);
            await socket.SendAsync(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, QueueControlJson.Default.QueueControlRequest) + "\n"), SocketFlags.None, cancel);
            using var stream = new NetworkStream(socket);
            var line = await new StreamReader(stream).ReadLineAsync(cancel);
            var answer = line is null ? null : JsonSerializer.Deserialize(line, QueueControlJson.Default.QueueControlAnswer);
            if (answer is null)
            {
                throw new NodeCliException("the node closed the control socket without an answer");
            }

            if (!answer.Ok)
            {
                throw new NodeCliException(answer.Message);
            }

            Console.WriteLine(answer.Message);
            return 0;
        }
        catch (SocketException e)
        {
            throw new NodeCliException($"the node's control socket does not answer ({e.SocketErrorCode}); is the node running, and are you its user?");
        }
    }

}
