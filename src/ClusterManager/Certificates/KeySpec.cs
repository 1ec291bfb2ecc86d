using System.Security.Cryptography;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>Key types a certificate can be created with (CERT-2).</summary>
internal sealed record KeySpec(string Name, Func<AsymmetricAlgorithm> Create)
{
    public static readonly IReadOnlyList<KeySpec> All =
    [
        new("rsa2048", () => RSA.Create(2048)),
        new("rsa3072", () => RSA.Create(3072)),
        new("rsa4096", () => RSA.Create(4096)),
        new("ecdsa-p256", () => ECDsa.Create(ECCurve.NamedCurves.nistP256)),
        new("ecdsa-p384", () => ECDsa.Create(ECCurve.NamedCurves.nistP384)),
    ];

    public static KeySpec Parse(string name) =>
        All.FirstOrDefault(k => string.Equals(k.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ClusterConfig.ChangeRejectedException($"key type '{name}' is not one of {string.Join(", ", All.Select(k => k.Name))}");
}
