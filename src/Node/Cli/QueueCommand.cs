using System.Globalization;
using System.Runtime.InteropServices;
using Gatehouse.Node.Delivery;
using Gatehouse.Node.Hosting;
using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Cli;

/// <summary>
/// <c>gatehouse-node queue</c>: what waits for delivery, with each recipient's state and last
/// answer (like <c>mailq</c>); <c>queue flush</c> asks the running node to retry everything now.
/// </summary>
internal static partial class QueueCommand
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
                $"MID {envelope.Mid}  {envelope.Size} bytes  received {envelope.ReceivedAt:u}  from <{envelope.MailFrom}>  attempts {progress?.Attempts ?? 0}  next {next}"));
            for (var rid = 0; rid < envelope.Recipients.Count; rid++)
            {
                var state = progress?.Recipients.ElementAtOrDefault(rid) ?? RecipientStatus.Pending;
                var reason = progress?.Reasons.ElementAtOrDefault(rid) is { Length: > 0 } r ? $"  ({r})" : "";
                Console.WriteLine($"    RID {rid} <{envelope.Recipients[rid]}> {state.ToString().ToLowerInvariant()}{reason}");
            }
        }

        Console.WriteLine($"-- {envelopes.Count} message{(envelopes.Count == 1 ? "" : "s")} in the queue");
        return 0;
    }

    public static int Flush(NodePaths paths)
    {
        var status = NodeStatusFile.Read(paths);
        if (status is null || status.ProcessId <= 0 || !Directory.Exists($"/proc/{status.ProcessId}"))
        {
            throw new NodeCliException("the node is not running; queued mail is delivered when it starts");
        }

        if (Kill(status.ProcessId, DeliveryQueue.FlushSignal) != 0)
        {
            throw new NodeCliException($"could not signal the node (pid {status.ProcessId}): {Marshal.GetLastPInvokeErrorMessage()}");
        }

        Console.WriteLine("Delivery of every queued message starts now");
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
