using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Gatehouse.Configuration.Files;

namespace Gatehouse.Node.Runtime;

/// <summary>Who this node is in the cluster: its name, its managers, its certificate and the CA it trusts.</summary>
internal sealed record NodeIdentity(string Name, IReadOnlyList<Uri> Managers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static bool Exists(NodePaths paths) => File.Exists(paths.Identity);

    public static NodeIdentity Load(NodePaths paths)
    {
        if (!Exists(paths))
        {
            throw new NodeCliException($"{paths.DataDir} holds no cluster membership; run 'gatehouse-node join' first");
        }

        return JsonSerializer.Deserialize<NodeIdentity>(File.ReadAllText(paths.Identity), Json)
            ?? throw new NodeCliException($"{paths.Identity} is empty");
    }

    public void Save(NodePaths paths) => AtomicFile.Write(paths.Identity, JsonSerializer.SerializeToUtf8Bytes(this, Json));

    /// <summary>The node certificate with its key, usable as a TLS client certificate.</summary>
    public static X509Certificate2 LoadCertificate(NodePaths paths)
    {
        NodeCertificateFiles.FinishReplacement(paths);
        using var pem = X509Certificate2.CreateFromPemFile(paths.Certificate, paths.Key);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public static X509Certificate2 LoadClusterCa(NodePaths paths) => X509CertificateLoader.LoadCertificateFromFile(paths.ClusterCa);
}
