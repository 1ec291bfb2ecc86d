using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DnsClient;
using Gatehouse.Cluster.V1;
using Gatehouse.Harness;
using Gatehouse.Node.Delivery;
using Gatehouse.Node.Model;
using Gatehouse.Node.Tls;

namespace Gatehouse.Node.Tests.Delivery;

/// <summary>OUT-1, OUT-2, OUT-4 building blocks: next hops, destination controls, peer verification.</summary>
public sealed class DeliveryPolicyTests
{
    [Fact]
    public async Task Routes_then_MX_in_preference_order_then_the_implicit_MX_and_no_hops_only_for_a_domain_that_does_not_exist()
    {
        var directory = Directory.CreateTempSubdirectory("gatehouse-dns-").FullName;
        await using var dns = await Dnsmasq.StartAsync(Path.Combine(directory, "dnsmasq.log"),
            [("mx.test", "mx2.mx.test", 20), ("mx.test", "mx1.mx.test", 10)],
            [("plain.test", "127.0.0.77")],
            ["--mx-host=nullmx.test,.,0", "--local=/test/"]);
        var client = new LookupClient(new LookupClientOptions(new NameServer(dns.Endpoint)) { UseCache = false });
        var config = new LevelConfig
        {
            SmtpRoutes =
            {
                new SmtpRoute { Domain = "routed.test", Hosts = { new RouteHost { Host = "b.internal", Priority = 20 }, new RouteHost { Host = "a.internal", Port = 2525, Priority = 10 } } },
                new SmtpRoute { Domain = ".sub.test", Hosts = { new RouteHost { Host = "sub.internal" } } },
            },
        };

        var routed = await NextHops.ResolveAsync("routed.test", config, client, default);
        var subdomain = await NextHops.ResolveAsync("deep.sub.test", config, client, default);
        var mx = await NextHops.ResolveAsync("mx.test", config, client, default);
        var implicitMx = await NextHops.ResolveAsync("plain.test", config, client, default);
        var nothing = await NextHops.ResolveAsync("nowhere.test", config, client, default);

        Assert.Equal([("a.internal", 2525), ("b.internal", 25)], routed.Select(h => (h.Host, h.Port)));
        Assert.Equal(NextHopSource.Route, Assert.Single(subdomain).Source);
        Assert.Equal(["mx1.mx.test", "mx2.mx.test"], mx.Select(h => h.Host));
        Assert.Equal(new NextHop("plain.test", 25, 0, NextHopSource.ImplicitMx), Assert.Single(implicitMx));
        Assert.Empty(nothing);
        // A server that will not answer says nothing about the domain: the lookup fails, to be retried.
        await Assert.ThrowsAsync<DnsResponseException>(() => NextHops.ResolveAsync("elsewhere.example", config, client, default));
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void A_domain_gets_its_entry_a_parent_entry_or_the_default_with_default_limits()
    {
        var config = new LevelConfig
        {
            DestinationControls =
            {
                new DestinationControl { Domain = "default", Tls = OutboundTls.Preferred, MaxConcurrentConnections = 100, MaxMessagesPerConnection = 10, MaxRecipientsPerMessage = 50 },
                new DestinationControl { Domain = "bank.test", Tls = OutboundTls.RequiredVerify, MaxConcurrentConnections = 2 },
                new DestinationControl { Domain = ".partner.test", Tls = OutboundTls.Required },
            },
        };

        var bank = DestinationPolicy.For(config, "bank.test");
        var partner = DestinationPolicy.For(config, "mail.partner.test");
        var other = DestinationPolicy.For(config, "other.test");

        Assert.Equal((OutboundTls.RequiredVerify, 2u, 10u, 50u), (bank.Tls, bank.MaxConcurrentConnections, bank.MaxMessagesPerConnection, bank.MaxRecipientsPerMessage));
        Assert.Equal(OutboundTls.Required, partner.Tls);
        Assert.Equal(OutboundTls.Preferred, other.Tls);
        Assert.Equal(OutboundTls.None, DestinationPolicy.For(new LevelConfig(), "any.test").Tls);
    }

    [Fact]
    public void A_default_entry_that_sets_only_the_TLS_mode_keeps_the_built_in_limits()
    {
        var config = new LevelConfig { DestinationControls = { new DestinationControl { Domain = "default", Tls = OutboundTls.Preferred } } };

        var any = DestinationPolicy.For(config, "any.test");

        Assert.Equal((OutboundTls.Preferred, 500u, 50u, 100u), (any.Tls, any.MaxConcurrentConnections, any.MaxMessagesPerConnection, any.MaxRecipientsPerMessage));
    }

    [Fact]
    public void A_peer_verifies_only_with_a_trusted_chain_and_a_matching_name()
    {
        using var rootKey = ECDsa.Create();
        var rootRequest = new CertificateRequest("CN=Peer Test Root", rootKey, HashAlgorithmName.SHA256);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var root = rootRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var peer = Issue(root, rootKey, "*.mail.test", DateTimeOffset.UtcNow.AddDays(10));
        using var expired = Issue(root, rootKey, "mx.mail.test", DateTimeOffset.UtcNow.AddMinutes(-1));
        var trusted = new X509Certificate2Collection(root);

        Assert.Null(PeerVerification.Problem(peer, [], trusted, ["recipient.test", "mx.mail.test"]));
        Assert.Contains("none of recipient.test", PeerVerification.Problem(peer, [], trusted, ["recipient.test", "a.b.mail.test"]), StringComparison.Ordinal);
        Assert.StartsWith("certificate not trusted", PeerVerification.Problem(peer, [], [], ["mx.mail.test"]), StringComparison.Ordinal);
        Assert.StartsWith("certificate not trusted", PeerVerification.Problem(expired, [], trusted, ["mx.mail.test"]), StringComparison.Ordinal);
    }

    private static X509Certificate2 Issue(X509Certificate2 root, ECDsa rootKey, string dnsName, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create();
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(dnsName);
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(root.SubjectName, X509SignatureGenerator.CreateForECDsa(rootKey), DateTimeOffset.UtcNow.AddDays(-2), notAfter, serial);
        return X509CertificateLoader.LoadCertificate(issued.RawData);
    }
}
