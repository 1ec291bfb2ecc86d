using System.Net.Security;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Model;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Ldap;

/// <summary>
/// How a lookup gets its connection: the pooled one it was given, or a new one with TLS as the
/// profile says (the server verified against the trusted CAs and the profile's host name,
/// <c>ldap_global.certificate</c> as client certificate) and bound once.
/// </summary>
internal sealed class DirectoryConnection(NodeSnapshot snapshot, LdapProfile profile, int port)
{
    /// <summary>Why the server's certificate was not accepted, when that ended a TLS handshake.</summary>
    public string? CertificateProblem { get; private set; }

    /// <summary>Whether an entry matches; the connection goes back to the pool only after a clean answer.</summary>
    public async Task<bool> SearchAsync(LdapConnectionPool.Turn turn, byte[] filter, int seconds, CancellationToken cancel)
    {
        if (turn.Reused is { } reused)
        {
            try
            {
                var found = await reused.AnyEntryAsync(profile.BaseDn, filter, seconds, cancel);
                turn.Keep(reused);
                return found;
            }
            catch (Exception e) when (e is IOException or EndOfStreamException or LdapException && !cancel.IsCancellationRequested)
            {
                // The directory may have closed the idle connection: once more, on a new one.
                await reused.DisposeAsync();
            }
            catch
            {
                await reused.DisposeAsync();
                throw;
            }
        }

        var session = await OpenAsync(cancel);
        try
        {
            var found = await session.AnyEntryAsync(profile.BaseDn, filter, seconds, cancel);
            turn.Keep(session);
            return found;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    private async Task<LdapSession> OpenAsync(CancellationToken cancel)
    {
        var tls = new SslClientAuthenticationOptions
        {
            TargetHost = profile.Host,
            ClientCertificateContext = snapshot.Certificate(snapshot.Config.LdapGlobal?.Certificate ?? "")?.Context,
            RemoteCertificateValidationCallback = (_, presented, chain, _) =>
                (CertificateProblem = PeerVerification.Problem(presented, chain, snapshot.TrustedCas, [profile.Host])) is null,
        };
        var session = await LdapSession.ConnectAsync(profile.Host, port, cancel);
        try
        {
            if (profile.Security == LdapSecurity.Ldaps)
            {
                await session.SecureAsync(tls, cancel);
            }
            else if (profile.Security == LdapSecurity.Starttls)
            {
                await session.StartTlsAsync(tls, cancel);
            }

            if (profile.BindDn.Length > 0)
            {
                await session.BindAsync(profile.BindDn, profile.BindPassword, cancel);
            }

            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }
}
