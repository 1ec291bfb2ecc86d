using DnsClient;
using Gatehouse.Node.Dns;

namespace Gatehouse.Node.Delivery.Reporting;

/// <summary>The TXT records a report's destination is published in; a failed lookup throws, "no such name" is none.</summary>
internal static class ReportTxt
{
    public static async Task<IEnumerable<string>> LookupAsync(DnsClients dns, string name, CancellationToken cancel)
    {
        IDnsQueryResponse answer;
        try
        {
            answer = await dns.Current().QueryAsync(name, QueryType.TXT, cancellationToken: cancel);
        }
        catch (DnsResponseException e)
        {
            throw new InvalidOperationException($"TXT lookup for {name} failed: {e.Message}", e);
        }

        if (answer.HasError && answer.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            // Not "no record": the manager asks again later.
            throw new InvalidOperationException($"TXT lookup for {name} failed: {answer.ErrorMessage}");
        }

        return answer.Answers.TxtRecords().Select(r => string.Concat(r.Text));
    }
}
