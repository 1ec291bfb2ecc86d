namespace Gatehouse.Node.Logging;

/// <summary>
/// Where the mail log hands every line it writes, as a typed event (message tracking is one).
/// Called on the writing thread: an implementation queues and returns, never waits.
/// </summary>
internal interface IMailLogSink
{
    void Offer(MailLogEvent e);
}
