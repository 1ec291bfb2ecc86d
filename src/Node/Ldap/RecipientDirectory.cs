using System.Net.Security;
using System.Net.Sockets;
using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Ldap;
using Gatehouse.Node.Model;
using Gatehouse.Node.Tls;
using Microsoft.Extensions.Caching.Memory;

namespace Gatehouse.Node.Ldap;

internal enum DirectoryVerdict
{
    Known,
    Unknown,
    Unavailable,
}

/// <summary>The directory's answer for one recipient; for <see cref="DirectoryVerdict.Unavailable"/>, why.</summary>
internal sealed record DirectoryAnswer(DirectoryVerdict Verdict, string Detail);

/// <summary>
/// LDAP accept queries (SVC-2): is this recipient in the directory? Each lookup that is not
/// cached opens its own connection (TLS as the profile says, the server verified against the
/// trusted CAs and the profile's host name, <c>ldap_global.certificate</c> as client
/// certificate), binds, searches and closes. Known and unknown answers are kept for the
/// profile's cache time; a directory that cannot answer is never cached and never guessed.
/// </summary>
internal sealed class RecipientDirectory(TimeProvider time) : IDisposable
{
    public const int CacheEntries = 50_000;
    private const uint DefaultTimeoutSeconds = 5;
    private const uint DefaultCacheSeconds = 60;
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = CacheEntries, CompactionPercentage = 0.25 });

    public async Task<DirectoryAnswer> CheckAsync(NodeSnapshot snapshot, LdapProfile profile, string recipient, CancellationToken cancel)
    {
        // The version is part of the key: a commit that changes the profile starts afresh. The
        // address is kept as it was searched: with a case-exact attribute, "unknown" for ALICE@
        // says nothing of alice@.
        var key = (snapshot.Version, profile.Name, recipient);
        if (cache.TryGetValue(key, out DirectoryAnswer? hit) && hit is not null)
        {
            return hit;
        }

        var answer = await AskAsync(snapshot, profile, recipient, cancel);
        if (answer.Verdict != DirectoryVerdict.Unavailable)
        {
            var keep = TimeSpan.FromSeconds(profile.CacheSeconds > 0 ? profile.CacheSeconds : DefaultCacheSeconds);
            cache.Set(key, answer, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = keep });
        }

        return answer;
    }

    public void Dispose() => cache.Dispose();

    private async Task<DirectoryAnswer> AskAsync(NodeSnapshot snapshot, LdapProfile profile, string recipient, CancellationToken cancel)
    {
        var seconds = profile.TimeoutSeconds > 0 ? profile.TimeoutSeconds : DefaultTimeoutSeconds;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token);
        string? certificateProblem = null;
        var tls = new SslClientAuthenticationOptions
        {
            TargetHost = profile.Host,
            ClientCertificateContext = snapshot.Certificate(snapshot.Config.LdapGlobal?.Certificate ?? "")?.Context,
            RemoteCertificateValidationCallback = (_, presented, chain, _) =>
                (certificateProblem = PeerVerification.Problem(presented, chain, snapshot.TrustedCas, [profile.Host])) is null,
        };
        var port = profile.Port > 0 ? (int)profile.Port : profile.Security == LdapSecurity.Ldaps ? 636 : 389;
        try
        {
            await using var session = await LdapSession.ConnectAsync(profile.Host, port, linked.Token);
            if (profile.Security == LdapSecurity.Ldaps)
            {
                await session.SecureAsync(tls, linked.Token);
            }
            else if (profile.Security == LdapSecurity.Starttls)
            {
                await session.StartTlsAsync(tls, linked.Token);
            }

            if (profile.BindDn.Length > 0)
            {
                await session.BindAsync(profile.BindDn, profile.BindPassword, linked.Token);
            }

            var filter = LdapFilter.Encode(LdapFilter.ForRecipient(profile.AcceptQuery, recipient));
            var found = await session.AnyEntryAsync(profile.BaseDn, filter, (int)seconds, linked.Token);
            return new DirectoryAnswer(found ? DirectoryVerdict.Known : DirectoryVerdict.Unknown, "");
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            return Unavailable($"no answer within {seconds} s");
        }
        catch (LdapException e)
        {
            return Unavailable(certificateProblem is null ? e.Message : $"TLS failed: {certificateProblem}");
        }
        catch (SocketException e)
        {
            return Unavailable($"cannot connect to {profile.Host}:{port}: {e.SocketErrorCode}");
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or FormatException)
        {
            return Unavailable($"connection to {profile.Host}:{port} lost: {LdapException.Printable(e.Message)}");
        }
    }

    private static DirectoryAnswer Unavailable(string why) => new(DirectoryVerdict.Unavailable, why);
}
