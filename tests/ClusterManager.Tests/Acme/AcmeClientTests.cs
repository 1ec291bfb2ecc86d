using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gatehouse.ClusterManager.Acme;
using Gatehouse.Harness;

namespace Gatehouse.ClusterManager.Tests.Acme;

/// <summary>
/// The ACME client against pebble (taking every challenge, rejecting a third of the nonces):
/// an account, an order for two names, their authorizations and challenges, finalization with a
/// CSR, the chain, which openssl verifies against pebble's root and intermediate; the same key
/// finds the same account, and so does a new key after a key rollover; revocation; a problem from
/// the CA is a clear error; a CA that requires External Account Binding gets it (HS256 with the
/// MAC key it gave), and refuses a wrong MAC key.
/// </summary>
public sealed class AcmeClientTests
{
    [Fact]
    public async Task A_certificate_is_ordered_issued_verified_and_revoked_despite_rejected_nonces()
    {
        var work = Directory.CreateTempSubdirectory("acme-").FullName;
        await using var pebble = await Pebble.StartAsync(work, alwaysValid: true, nonceRejectPercent: 30);
        using var handler = PrivateTrustHandler.Trusting(
            X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pebble.Tls.RootCertificate)), X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pebble.Tls.IntermediateCertificate)));
        using var accountKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cancel = CancellationToken.None;
        using var client = await AcmeClient.OpenAsync(pebble.Directory, accountKey, handler, TimeProvider.System, cancel);

        var account = await client.RegisterAsync(["postmaster@example.test"], cancel);
        var order = await client.OrderAsync(["mx1.example.test", "mx2.example.test"], cancel);
        Assert.Equal("pending", order.Status);
        Assert.Equal(2, order.Authorizations.Count);
        foreach (var url in order.Authorizations)
        {
            var authorization = await client.AuthorizationAsync(url, cancel);
            var http01 = authorization.Challenges.Single(c => c.Type == "http-01");
            Assert.Matches("^[A-Za-z0-9_-]{22,}$", http01.Token);
            Assert.EndsWith($".{AcmeJws.Thumbprint(accountKey)}", client.KeyAuthorization(http01.Token), StringComparison.Ordinal);
            await client.RespondAsync(http01, cancel);
            Assert.Equal("valid", (await client.WaitAuthorizationAsync(url, TimeSpan.FromSeconds(30), cancel)).Status);
        }

        using var certificateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mx1.example.test", certificateKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("mx1.example.test");
        names.AddDnsName("mx2.example.test");
        request.CertificateExtensions.Add(names.Build());
        var issued = await client.FinalizeAsync(order, request.CreateSigningRequest(), TimeSpan.FromSeconds(30), cancel);
        Assert.Equal("valid", issued.Status);
        var chain = await client.CertificateAsync(issued.Certificate!, cancel);

        // openssl verifies the leaf against pebble's root and intermediate, as fetched from its management interface.
        var leaf = Path.Combine(work, "leaf.pem");
        var untrusted = Path.Combine(work, "issuers.pem");
        var pems = chain.Split("-----END CERTIFICATE-----", StringSplitOptions.RemoveEmptyEntries).Where(p => p.Contains("BEGIN", StringComparison.Ordinal)).Select(p => p.Trim() + "\n-----END CERTIFICATE-----\n").ToList();
        await File.WriteAllTextAsync(leaf, pems[0], cancel);
        using var management = new HttpClient(handler, disposeHandler: false);
        var root = Path.Combine(work, "root.pem");
        await File.WriteAllTextAsync(root, await management.GetStringAsync(new Uri(pebble.Management, "roots/0"), cancel), cancel);
        await File.WriteAllTextAsync(untrusted, await management.GetStringAsync(new Uri(pebble.Management, "intermediates/0"), cancel), cancel);
        var verified = await ManagedProcess.RunProgramAsync("openssl", ["verify", "-CAfile", root, "-untrusted", untrusted, leaf]);
        Assert.Equal($"{leaf}: OK", verified.Succeeded().Output.Trim());
        using var certificate = X509Certificate2.CreateFromPem(pems[0]);
        Assert.Contains("mx2.example.test", certificate.GetNameInfo(X509NameType.DnsName, false) + string.Join(",", certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames())), StringComparison.Ordinal);

        // The same key finds the same account.
        using (var again = await AcmeClient.OpenAsync(pebble.Directory, accountKey, handler, TimeProvider.System, cancel))
        {
            Assert.Equal(account, await again.RegisterAsync(["postmaster@example.test"], cancel));
        }

        // A new key: the old one signs the change, the new one is the account's from then on.
        using var newKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await client.RollOverAsync(newKey, cancel);
        using (var rolled = await AcmeClient.OpenAsync(pebble.Directory, newKey, handler, TimeProvider.System, cancel))
        {
            Assert.Equal(account, await rolled.RegisterAsync(["postmaster@example.test"], cancel));
        }

        await client.RevokeAsync(certificate.RawData, reason: 4, cancel);
        var twice = await Assert.ThrowsAsync<AcmeProblemException>(() => client.RevokeAsync(certificate.RawData, reason: 4, cancel));
        Assert.Equal("urn:ietf:params:acme:error:alreadyRevoked", twice.Type);

        var refused = await Assert.ThrowsAsync<AcmeProblemException>(() => client.OrderAsync(["not a name"], cancel));
        Assert.StartsWith("malformed (400): ", refused.Message, StringComparison.Ordinal);
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task A_ca_that_requires_an_external_account_gets_the_binding_and_refuses_a_wrong_mac_key()
    {
        const string MacKey = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";
        var work = Directory.CreateTempSubdirectory("acme-eab-").FullName;
        await using var pebble = await Pebble.StartAsync(work, alwaysValid: true, macKeys: new Dictionary<string, string> { ["gatehouse"] = MacKey });
        using var handler = PrivateTrustHandler.Trusting(
            X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pebble.Tls.RootCertificate)), X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(pebble.Tls.IntermediateCertificate)));
        using var accountKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cancel = CancellationToken.None;
        using var client = await AcmeClient.OpenAsync(pebble.Directory, accountKey, handler, TimeProvider.System, cancel);
        Assert.True(client.Directory.ExternalAccountRequired);

        var unbound = await Assert.ThrowsAsync<AcmeProblemException>(() => client.RegisterAsync(["postmaster@example.test"], cancel));
        Assert.Contains("requires an external account binding", unbound.Message, StringComparison.Ordinal);
        var wrong = await Assert.ThrowsAsync<AcmeProblemException>(() => client.RegisterAsync(["postmaster@example.test"], cancel, ("gatehouse", MacKey.Replace('z', 'y'))));
        Assert.Equal(403, wrong.Status);
        Assert.Null(client.Account);

        var account = await client.RegisterAsync(["postmaster@example.test"], cancel, ("gatehouse", MacKey));
        Assert.Equal("https", account.Scheme);
        Assert.Equal("pending", (await client.OrderAsync(["mx.example.test"], cancel)).Status);
        Directory.Delete(work, recursive: true);
    }
}
