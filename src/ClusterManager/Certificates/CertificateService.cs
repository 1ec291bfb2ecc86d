using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.ClusterConfig;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>
/// Certificate management at cluster or machine level (SPEC section 2). Every change is
/// staged like any other and reaches nodes only at commit; a refused request stages nothing.
/// </summary>
internal sealed class CertificateService(ConfigurationService configuration, Diagnostics.AuditLog audit, TimeProvider time)
{
    public async Task CreateSelfSignedAsync(
        string name, string? machine, CertificateSubject subject, KeySpec key, int days, bool checkFqdn, string actor, CancellationToken cancel = default)
    {
        var problems = subject.Problems(checkFqdn).ToList();
        if (days is < 1 or > 3650)
        {
            problems.Add("the duration must be 1 to 3650 days");
        }

        if (problems.Count > 0)
        {
            throw new ChangeRejectedException($"certificate '{name}' not created: {string.Join("; ", problems)}");
        }

        var certificate = CertificateFactory.CreateSelfSigned(name, subject, key, days, time);
        await AddAsync(machine, certificate, replace: false, actor, $"create self-signed certificate {name} ({subject.CommonName}, {key.Name}, {days} days)", cancel);
    }

    /// <summary>A PKCS#10 request in PEM for the held key, with the certificate's subject and SANs (CERT-3).</summary>
    public async Task<string> CsrAsync(string name, string? machine, CancellationToken cancel = default)
    {
        var entry = Find(await LevelAsync(machine, cancel), name, machine);
        var keyPem = entry.PendingPrivateKeyPem.Length > 0 ? entry.PendingPrivateKeyPem : entry.PrivateKeyPem;
        using var key = PrivateKeys.Load(keyPem);
        return CertificateFactory.CreateRequest(entry.CertificatePem, key);
    }

    /// <summary>Starts a renewal (CERT-7): a new CSR from the same key, or from a new key held until the signed certificate comes.</summary>
    public async Task<string> RenewAsync(string name, string? machine, bool newKey, string actor, CancellationToken cancel = default)
    {
        if (!newKey)
        {
            return await CsrAsync(name, machine, cancel);
        }

        var entry = Find(await LevelAsync(machine, cancel), name, machine);
        using var current = X509Certificate2.CreateFromPem(entry.CertificatePem);
        using AsymmetricAlgorithm key = current.GetRSAPublicKey() is { } rsa ? RSA.Create(rsa.KeySize)
            : ECDsa.Create(current.GetECDsaPublicKey()!.ExportParameters(false).Curve);
        var csr = CertificateFactory.CreateRequest(entry.CertificatePem, key);
        var keyPem = PrivateKeys.ToPkcs8Pem(key);
        await configuration.EditLevelAsync(machine, level =>
        {
            var staged = Find(level, name, machine);
            staged.PendingPrivateKeyPem = keyPem;
            staged.PendingCsrPem = csr;
            return level;
        }, actor, $"renew certificate {name} with a new key", cancel);
        return csr;
    }

    /// <summary>
    /// Puts the CA-signed certificate under an existing name (CERT-4): its key must be the
    /// held key (or the renewal's new key); intermediates are checked and deduplicated.
    /// </summary>
    public async Task<IReadOnlyList<string>> UploadSignedAsync(
        string name, string? machine, byte[] certificate, byte[]? intermediates, string actor, CancellationToken cancel = default)
    {
        var leaf = CertificateFiles.ReadOne(certificate, "the signed certificate");
        var given = intermediates is null ? [] : CertificateFiles.ReadAll(intermediates, "the intermediates");
        var entry = Find(await LevelAsync(machine, cancel), name, machine);
        var keyPem = new[] { entry.PendingPrivateKeyPem, entry.PrivateKeyPem }
            .Where(pem => pem.Length > 0)
            .FirstOrDefault(pem =>
            {
                using var key = PrivateKeys.Load(pem);
                return PrivateKeys.Matches(leaf, key);
            }) ?? throw new ChangeRejectedException($"the private key does not sign this certificate: '{name}' holds a different key");
        var (chain, notes) = CertificateChain.Check(leaf, given);
        var replacement = new Certificate
        {
            Name = name,
            CertificatePem = leaf.ExportCertificatePem(),
            IntermediatesPem = { chain.Select(c => c.ExportCertificatePem()) },
            PrivateKeyPem = keyPem,
            Comment = entry.Comment,
        };
        await AddAsync(machine, replacement, replace: true, actor, $"upload signed certificate {name} ({leaf.Subject}, issued by {leaf.Issuer})", cancel);
        return notes;
    }

    /// <summary>Imports a PKCS#12 file (CERT-5).</summary>
    public async Task<IReadOnlyList<string>> ImportPkcs12Async(
        string name, string? machine, byte[] data, string password, bool replace, string actor, CancellationToken cancel = default)
    {
        var imported = Pkcs12Files.Import(data, password);
        using var key = imported.Key;
        var (chain, notes) = CertificateChain.Check(imported.Leaf, OrderFrom(imported.Leaf, imported.Others, out var unrelated));
        notes.AddRange(unrelated.Select(c => $"left out a certificate that is not in the leaf's chain: {c.Subject}"));
        await AddAsync(machine, Entry(name, imported.Leaf, key, chain), replace, actor, $"import PKCS#12 certificate {name} ({imported.Leaf.Subject})", cancel);
        return notes;
    }

    /// <summary>Imports a PEM certificate (followed, optionally, by its intermediates) and its private key (CERT-5).</summary>
    public async Task<IReadOnlyList<string>> ImportPemAsync(
        string name, string? machine, byte[] certificates, string keyPem, string? passphrase, bool replace, string actor, CancellationToken cancel = default)
    {
        var all = CertificateFiles.ReadAll(certificates, "the certificate file");
        using var key = PrivateKeys.Load(keyPem, passphrase);
        if (!PrivateKeys.Matches(all[0], key))
        {
            throw new ChangeRejectedException("the private key does not sign this certificate");
        }

        var (chain, notes) = CertificateChain.Check(all[0], all.Skip(1));
        await AddAsync(machine, Entry(name, all[0], key, chain), replace, actor, $"import PEM certificate {name} ({all[0].Subject})", cancel);
        return notes;
    }

    /// <summary>A PKCS#12 file with the certificate, its key and intermediates, AES-256 protected (CERT-6).</summary>
    public async Task<byte[]> ExportPkcs12Async(string name, string? machine, string password, string actor, CancellationToken cancel = default)
    {
        if (password.Length < 8)
        {
            throw new ChangeRejectedException("the export password must have at least 8 characters");
        }

        var entry = Find(await LevelAsync(machine, cancel), name, machine);
        using var certificate = X509Certificate2.CreateFromPem(entry.CertificatePem);
        using var key = PrivateKeys.Load(entry.PrivateKeyPem);
        using var withKey = PrivateKeys.WithKey(certificate, key);
        var intermediates = entry.IntermediatesPem.Select(p => X509Certificate2.CreateFromPem(p)).ToList();
        var file = Pkcs12Files.Export(withKey, intermediates, password);
        await audit.RecordAsync(actor, "certconfig export",
            $"certificate {name} with its private key exported as PKCS#12 from {(machine is null ? "cluster level" : $"machine level of {machine}")}", cancel);
        return file;
    }

    /// <summary>Deletes a certificate; refused while anything uses it, naming the users (CERT-9).</summary>
    public async Task DeleteAsync(string name, string? machine, string actor, CancellationToken cancel = default)
    {
        var set = await configuration.ReadStagedAsync(cancel);
        Find(machine is null ? set.Cluster : set.Machines.GetValueOrDefault(machine) ?? new LevelConfig(), name, machine);
        var users = CertificateUsers.Stranded(set, machine, name);
        if (users.Count > 0)
        {
            throw new ChangeRejectedException($"certificate '{name}' is in use and was not deleted; used by: {string.Join(", ", users)}");
        }

        await configuration.EditLevelAsync(machine, level =>
        {
            level.Certificates.Remove(level.Certificates.Single(c => c.Name == name));
            return level;
        }, actor, $"delete certificate {name}", cancel);
    }

    public async Task<List<CertificateRow>> ListAsync(CancellationToken cancel = default) =>
        CertificateInventory.List(await configuration.ReadStagedAsync(cancel), time);

    public Task SetSystemCasAsync(string? machine, bool enabled, string actor, CancellationToken cancel = default) =>
        configuration.EditLevelAsync(machine, level =>
        {
            level.TrustedCas ??= new TrustedCaSettings();
            level.TrustedCas.SystemBundleEnabled = enabled;
            return level;
        }, actor, $"system CA bundle {(enabled ? "enabled" : "disabled")}", cancel);

    /// <summary>Imports a custom CA bundle, replacing the custom list (CERT-8).</summary>
    public async Task<int> ImportCustomCasAsync(string? machine, byte[] bundle, string actor, CancellationToken cancel = default)
    {
        var pems = CaBundle.Read(bundle, time);
        await configuration.EditLevelAsync(machine, level =>
        {
            level.TrustedCas ??= new TrustedCaSettings { SystemBundleEnabled = true };
            level.TrustedCas.CustomPem.Clear();
            level.TrustedCas.CustomPem.AddRange(pems);
            return level;
        }, actor, $"import {pems.Count} custom trusted CA certificates", cancel);
        return pems.Count;
    }

    public async Task<TrustedCaSettings> TrustedCasAsync(string? machine, CancellationToken cancel = default) =>
        (await LevelAsync(machine, cancel)).TrustedCas ?? new TrustedCaSettings();

    private async Task AddAsync(string? machine, Certificate certificate, bool replace, string actor, string description, CancellationToken cancel)
    {
        if (!Gatehouse.Configuration.Validation.LevelShapeRule.IsSafeKey(certificate.Name))
        {
            throw new ChangeRejectedException(
                $"'{certificate.Name}' is not a valid certificate name ({Gatehouse.Configuration.Validation.LevelShapeRule.KeyRule})");
        }

        await configuration.EditLevelAsync(machine, level =>
        {
            var index = level.Certificates.ToList().FindIndex(c => c.Name == certificate.Name);
            if (index >= 0 && !replace)
            {
                throw new ChangeRejectedException($"a certificate named '{certificate.Name}' already exists at this level; choose another name or replace it");
            }

            if (index >= 0)
            {
                level.Certificates[index] = certificate;
            }
            else
            {
                level.Certificates.Add(certificate);
            }

            return level;
        }, actor, description, cancel);
    }

    private async Task<LevelConfig> LevelAsync(string? machine, CancellationToken cancel)
    {
        var set = await configuration.ReadStagedAsync(cancel);
        return machine is null ? set.Cluster : set.Machines.GetValueOrDefault(machine) ?? new LevelConfig();
    }

    private static Certificate Find(LevelConfig level, string name, string? machine) =>
        level.Certificates.FirstOrDefault(c => c.Name == name)
        ?? throw new ChangeRejectedException($"there is no certificate '{name}' at {(machine is null ? "cluster level" : $"machine level of {machine}")}");

    private static Certificate Entry(string name, X509Certificate2 leaf, AsymmetricAlgorithm key, IEnumerable<X509Certificate2> chain) => new()
    {
        Name = name,
        CertificatePem = leaf.ExportCertificatePem(),
        PrivateKeyPem = PrivateKeys.ToPkcs8Pem(key),
        IntermediatesPem = { chain.Select(c => c.ExportCertificatePem()) },
    };

    // PKCS#12 files carry no order: walk from the leaf to each issuer in turn.
    private static List<X509Certificate2> OrderFrom(X509Certificate2 leaf, List<X509Certificate2> others, out List<X509Certificate2> unrelated)
    {
        var remaining = others.DistinctBy(c => c.Thumbprint).Where(c => c.Thumbprint != leaf.Thumbprint).ToList();
        var ordered = new List<X509Certificate2>();
        var current = leaf;
        while (remaining.FirstOrDefault(c => CertificateChain.SignedBy(current, c)) is { } issuer)
        {
            ordered.Add(issuer);
            remaining.Remove(issuer);
            current = issuer;
        }

        unrelated = remaining;
        return ordered;
    }
}
