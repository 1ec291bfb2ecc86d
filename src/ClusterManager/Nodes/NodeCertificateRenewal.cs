using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Store;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// Renews a member's certificate over its stream: a new key of the node's, signed for the same
/// name. The registry then holds the new serial and, until the node first uses it, the one the
/// node asked with — so an answer lost on the way locks nothing out.
/// </summary>
internal sealed class NodeCertificateRenewal(IManagerStore store, ClusterCa ca, AuditLog audit, TimeProvider time)
{
    // A renewal signs, writes the registry and the audit log: one a while per node, however often it asks.
    private static readonly TimeSpan MinGap = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, DateTimeOffset> lastRenewed = new(StringComparer.Ordinal);

    public async Task<Renewed> RenewAsync(string node, X509Certificate2 presented, string csrPem, CancellationToken cancel)
    {
        var presentedSerial = presented.SerialNumber;
        var now = time.GetUtcNow();
        if (!Cluster.Membership.RenewalWindow.IsOpen(presented, now))
        {
            return new Renewed { Error = $"the node certificate is not due for renewal before {presented.NotBefore.ToUniversalTime() + ((presented.NotAfter - presented.NotBefore) * 2 / 3):u}" };
        }

        if (lastRenewed.TryGetValue(node, out var last) && now - last < MinGap)
        {
            return new Renewed { Error = $"the node certificate was renewed at {last:u}; ask again after {last + MinGap:u}" };
        }

        CertificateRequest csr;
        try
        {
            csr = ClusterCa.ReadSigningRequest(csrPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return new Renewed { Error = $"the certificate signing request is not valid: {e.Message}" };
        }

        using var certificate = ca.SignNode(csr, node, time);
        var holdsPresented = false;
        var found = await store.UpdateNodeAsync(node, record =>
        {
            holdsPresented = record.CertificateSerial == presentedSerial || record.PreviousCertificateSerial == presentedSerial;
            if (holdsPresented)
            {
                record.PreviousCertificateSerial = presentedSerial;
                record.CertificateSerial = certificate.SerialNumber;
            }
        }, cancel);
        if (!found || !holdsPresented)
        {
            return new Renewed { Error = NodeAuthenticator.RemovedMessage };
        }

        lastRenewed[node] = now;
        await audit.RecordAsync($"node {node}", "certificate renew",
            $"node certificate {presentedSerial} renewed as {certificate.SerialNumber}, valid until {certificate.NotAfter.ToUniversalTime():u}", cancel);
        return new Renewed { NodeCertificatePem = certificate.ExportCertificatePem() };
    }
}
