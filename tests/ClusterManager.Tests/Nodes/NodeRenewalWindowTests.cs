using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.ClusterManager.Diagnostics;
using Gatehouse.ClusterManager.Nodes;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Tests.Nodes;

/// <summary>A member cannot mint certificates at will: the manager renews only inside the renewal window.</summary>
[Trait("Category", "Security")]
public sealed class NodeRenewalWindowTests : IDisposable
{
    private readonly ManagerFixture manager = new();

    [Fact]
    public async Task A_renewal_asked_too_early_is_refused_and_one_in_the_window_keeps_the_previous_serial()
    {
        using var ca = ClusterCa.LoadOrCreate(manager.DataDir, manager.Time);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var current = ca.SignNode(ClusterCa.ReadSigningRequest(Csr(key)), "n1", manager.Time);
        await manager.Store.SaveNodeAsync(new NodeRecord { Name = "n1", CertificateSerial = current.SerialNumber });
        var renewal = new NodeCertificateRenewal(manager.Store, ca, new AuditLog(manager.Store, manager.Time), manager.Time);
        using var next = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var early = await renewal.RenewAsync("n1", current, Csr(next), CancellationToken.None);
        manager.Time.Advance(TimeSpan.FromDays(500));
        var due = await renewal.RenewAsync("n1", current, Csr(next), CancellationToken.None);

        Assert.StartsWith("the node certificate is not due for renewal before", early.Error, StringComparison.Ordinal);
        Assert.Empty(early.NodeCertificatePem);
        Assert.Empty(due.Error);
        using var issued = X509Certificate2.CreateFromPem(due.NodeCertificatePem);
        var record = (await manager.Store.GetNodeAsync("n1"))!;
        Assert.Equal((issued.SerialNumber, current.SerialNumber), (record.CertificateSerial, record.PreviousCertificateSerial));

        // Asked again at once (a node in a loop): refused without signing or writing, until ten minutes have passed.
        var again = await renewal.RenewAsync("n1", current, Csr(next), CancellationToken.None);
        Assert.StartsWith("the node certificate was renewed at", again.Error, StringComparison.Ordinal);
        Assert.Equal(issued.SerialNumber, (await manager.Store.GetNodeAsync("n1"))!.CertificateSerial);
        manager.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Empty((await renewal.RenewAsync("n1", current, Csr(next), CancellationToken.None)).Error);
    }

    public void Dispose() => manager.Dispose();

    private static string Csr(ECDsa key) =>
        new CertificateRequest("CN=n1", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
}
