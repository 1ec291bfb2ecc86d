using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Gatehouse.Cluster.Tests.Sync;

public sealed class LargeSnapshotTests
{
    [Fact]
    public async Task A_snapshot_past_grpcs_4_MB_default_reaches_the_node_and_is_applied()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var node = cluster.Node("node1");

        // A few hundred certificates, each with a chain of three RSA-4096 intermediates: about 5 MB.
        var yaml = JsonSerializer.Serialize(new { certificates = Certificates(700) });
        Assert.True(yaml.Length > 5_000_000, $"{yaml.Length} bytes");
        (await cluster.Manager.LoadConfigAsync(yaml)).Succeeded();
        var version = await cluster.Manager.CommitAsync("700 certificates with their chains");

        await node.WaitAppliedAsync(version);
        Assert.Contains("leaf-699", await File.ReadAllTextAsync(Path.Combine(node.DataDir, "state", "last-good.json")), StringComparison.Ordinal);
    }

    private static List<Dictionary<string, object>> Certificates(int count)
    {
        var now = DateTimeOffset.UtcNow;
        using var rootKey = RSA.Create(4096);
        var issuerKey = rootKey;
        var rootRequest = new CertificateRequest("CN=Large Snapshot Root", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var issuer = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(5));
        var chain = new List<string>();
        var keys = new List<RSA> { rootKey };
        for (var i = 1; i <= 3; i++)
        {
            var key = RSA.Create(4096);
            keys.Add(key);
            var request = new CertificateRequest($"CN=Large Snapshot Intermediate {i}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            var intermediate = request.Create(issuer, now.AddDays(-1), now.AddYears(4), Guid.NewGuid().ToByteArray());
            chain.Insert(0, intermediate.ExportCertificatePem());
            issuer = intermediate.CopyWithPrivateKey(key);
            issuerKey = key;
        }

        var certificates = new List<Dictionary<string, object>>();
        for (var i = 0; i < count; i++)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN=leaf-{i}.example.test", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName($"leaf-{i}.example.test");
            request.CertificateExtensions.Add(names.Build());
            using var leaf = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForRSA(issuerKey, RSASignaturePadding.Pkcs1), now.AddDays(-1), now.AddYears(1), BitConverter.GetBytes(i + 1000));
            certificates.Add(new Dictionary<string, object>
            {
                ["name"] = $"leaf-{i}",
                ["certificate_pem"] = leaf.ExportCertificatePem(),
                ["intermediates_pem"] = chain,
                ["private_key_pem"] = key.ExportPkcs8PrivateKeyPem(),
            });
        }

        foreach (var key in keys)
        {
            key.Dispose();
        }

        return certificates;
    }
}
