using DnsClient;
using DnsClient.Protocol;
using Gatehouse.Node.Dns;

namespace Gatehouse.Node.Delivery.DomainPolicies;

/// <summary>What DNSSEC says about one MX host for DANE: its TLSA records when they are signed, or why they cannot be used.</summary>
internal sealed record DaneHost(IReadOnlyList<Tlsa> Records, bool Secure, string? Problem)
{
    public static readonly DaneHost None = new([], false, null);

    public IReadOnlyList<Tlsa> Usable => [.. Records.Where(r => r.Usable)];
}

/// <summary>
/// DANE's DNS side (RFC 7672 §2): the domain's MX records must come back validated (the AD bit
/// from a validating resolver), then each MX host's <c>_25._tcp.HOST</c> TLSA records, also
/// validated. An insecure answer means no DANE for that host; an answer that fails (a bogus
/// signature makes a validating resolver answer SERVFAIL) makes the host unusable — never a
/// downgrade to less than DANE.
/// </summary>
internal sealed class DaneLookup(DnsClients dns)
{
    /// <summary>Whether the domain's MX answer was validated: only then may its host names be trusted for DANE.</summary>
    public async Task<bool> SecureMxAsync(string domain, CancellationToken cancel)
    {
        try
        {
            var answer = await dns.Validating().QueryAsync(domain, QueryType.MX, cancellationToken: cancel);
            return !answer.HasError && answer.Header.IsAuthenticData;
        }
        catch (DnsResponseException)
        {
            // No answer is no proof: the host names are not trusted for DANE.
            return false;
        }
    }

    public async Task<DaneHost> HostAsync(string host, int port, CancellationToken cancel)
    {
        var name = $"_{port}._tcp.{host}";
        IDnsQueryResponse answer;
        try
        {
            answer = await dns.Validating().QueryAsync(name, QueryType.TLSA, cancellationToken: cancel);
        }
        catch (DnsResponseException e)
        {
            return new DaneHost([], false, $"TLSA lookup for {name} failed: {e.Message}");
        }

        if (answer.HasError && answer.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            return new DaneHost([], false, $"TLSA lookup for {name} failed: {answer.ErrorMessage}");
        }

        if (!answer.Header.IsAuthenticData)
        {
            return DaneHost.None;
        }

        var records = answer.Answers.OfType<TlsaRecord>()
            .Select(r => new Tlsa((int)r.CertificateUsage, (int)r.Selector, (int)r.MatchingType, [.. r.CertificateAssociationData]))
            .ToList();
        return new DaneHost(records, Secure: true, null);
    }
}
