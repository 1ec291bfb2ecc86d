namespace Gatehouse.Node.Smtp;

/// <summary>
/// Refused recipients: the session's hard error limit with its error sleeps, and the client's
/// invalid recipients an hour (DHAP).
/// </summary>
internal sealed partial class SmtpSession
{
    private int refusedRecipients;
    private bool harvestLogged;

    /// <summary>
    /// A recipient was refused: counted for the session, and when it is one the node does not take
    /// (<paramref name="invalid"/>) for the client's hour too (DHAP). Past half the session's limit
    /// each refusal is answered after the error sleep, as Postfix does; at the limit the session ends.
    /// </summary>
    public async Task<SmtpReply> RecipientRefusedAsync(SmtpReply reply, bool invalid, CancellationToken cancel)
    {
        if (invalid)
        {
            context.InvalidRecipients.Add(Client);
        }

        if (++refusedRecipients > context.Limits.MaxRefusedRecipients / 2)
        {
            await Task.Delay(context.Limits.ErrorSleep, context.Time, cancel);
        }

        return reply;
    }

    /// <summary>Whether the client passed its policy's invalid recipients an hour (DHAP); logged once per session.</summary>
    public bool PastHarvestLimit()
    {
        var limit = Policy.MaxInvalidRecipientsPerHour;
        var count = limit == 0 ? 0 : context.InvalidRecipients.Count(Client);
        if (limit == 0 || count < limit)
        {
            return false;
        }

        if (!harvestLogged)
        {
            harvestLogged = true;
            context.Log.HarvestLimitReached(Mid!.Value, context.Icid, count, Client.ToString(), Policy.Name);
        }

        return true;
    }

    // One address per client, however it connected (an IPv4 client on a dual-stack socket).
    private System.Net.IPAddress Client => context.Remote.Address.IsIPv4MappedToIPv6 ? context.Remote.Address.MapToIPv4() : context.Remote.Address;
}
