using DnsClient;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Gatehouse.Node.Authentication;

/// <summary>Why a signature's key could not be used: the result it gives and what to say.</summary>
internal sealed class KeyLookupException(string result, string reason) : Exception(reason)
{
    public string Result { get; } = result;
}

/// <summary>
/// DKIM public keys from the TXT record at <c>SELECTOR._domainkey.DOMAIN</c>, asked of the node's
/// resolvers. A server failure or timeout is a temporary error (the sender may try again); no
/// record, a revoked key or one that cannot be read is a permanent one.
/// </summary>
internal sealed class DnsKeyLocator(LookupClient dns) : DkimPublicKeyLocatorBase
{
    public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
        LocatePublicKeyAsync(methods, domain, selector, cancellationToken).GetAwaiter().GetResult();

    public override async Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default)
    {
        IDnsQueryResponse response;
        try
        {
            response = await dns.QueryAsync($"{selector}._domainkey.{domain}", QueryType.TXT, QueryClass.IN, cancellationToken);
        }
        catch (DnsResponseException e)
        {
            throw new KeyLookupException("temperror", $"key lookup failed: {e.Code}");
        }

        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
        {
            throw new KeyLookupException("temperror", $"key lookup failed: {response.Header.ResponseCode}");
        }

        var records = response.Answers.TxtRecords().Select(r => string.Concat(r.Text)).ToList();
        if (records.Count == 0)
        {
            throw new KeyLookupException("permerror", "no key published");
        }

        try
        {
            return GetPublicKey(records[0]);
        }
        catch (Exception e) when (e is MimeKit.ParseException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new KeyLookupException("permerror", "the key record cannot be read or the key is revoked");
        }
    }
}
