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
    // Keys as read from their records: reading an RSA key checks its modulus (BouncyCastle
    // tests it for primality), which cost more than the rest of a message's checks together.
    // By the record's text, so a changed record is read anew; bounded, emptied when full.
    private const int MaxParsed = 1024;
    private const int MaxRecordLength = 1600;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, AsymmetricKeyParameter> Parsed = new(StringComparer.Ordinal);

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

        return Read(records[0]);
    }

    /// <summary>
    /// A key record read, or the permanent error it gives. Records longer than an 8192-bit RSA
    /// key's are refused unread: reading a key costs in proportion to its size, and a sender
    /// chooses it.
    /// </summary>
    internal static AsymmetricKeyParameter Read(string record)
    {
        if (record.Length > MaxRecordLength)
        {
            throw new KeyLookupException("permerror", $"key record of {record.Length} characters, {MaxRecordLength} at most");
        }

        if (Parsed.TryGetValue(record, out var known))
        {
            return known;
        }

        try
        {
            var key = GetPublicKey(record);
            if (Parsed.Count >= MaxParsed)
            {
                Parsed.Clear();
            }

            Parsed[record] = key;
            return key;
        }
        catch (Exception e) when (e is MimeKit.ParseException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new KeyLookupException("permerror", "the key record cannot be read or the key is revoked");
        }
    }
}
