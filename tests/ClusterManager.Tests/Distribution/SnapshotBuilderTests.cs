using System.Security.Cryptography;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.ClusterManager.Secrets;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Tests.Distribution;

public sealed class SnapshotBuilderTests
{
    private readonly SecretBox secrets = new(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void The_cluster_level_is_opened_once_per_version_and_shared_by_every_node_with_the_same_needs()
    {
        var builder = new SnapshotBuilder(secrets);
        var one = Version(1, "key one");
        var two = Version(2, "key two");

        var a = builder.Build(one, "a");
        var b = builder.Build(one, "b");
        var later = builder.Build(two, "a");

        Assert.Same(a.Cluster, b.Cluster);
        Assert.Equal("key one", a.Cluster.Certificates[0].PrivateKeyPem);
        Assert.Empty(a.Cluster.Certificates[0].PendingPrivateKeyPem);
        Assert.NotSame(a.Cluster, later.Cluster);
        Assert.Equal("key two", later.Cluster.Certificates[0].PrivateKeyPem);
        Assert.NotEqual(a.Nonce, b.Nonce);
    }

    [Fact]
    public void A_node_gets_the_keys_and_passwords_of_what_it_uses_signing_keys_only_when_it_signs_and_never_the_managers_settings()
    {
        var builder = new SnapshotBuilder(secrets);
        var cluster = new LevelConfig
        {
            Manager = new ManagerSettings { HttpsCertificate = "gui" },
            Certificates =
            {
                new Certificate { Name = "web", PrivateKeyPem = "web key" },
                new Certificate { Name = "gui", PrivateKeyPem = "gui key" },
                new Certificate { Name = "spare", PrivateKeyPem = "spare key" },
            },
            LdapProfiles = { new LdapProfile { Name = "dir", BindPassword = "dir password" }, new LdapProfile { Name = "other", BindPassword = "other password" } },
            DestinationGlobal = new DestinationGlobalSettings { Certificate = "web" },
            SigningKeys = { new SigningKey { Name = "dkim", Algorithm = "ed25519", PrivateKeyPem = "dkim key" }, new SigningKey { Name = "spare-dkim", PrivateKeyPem = "spare dkim key" } },
            DkimProfiles = { new DkimProfile { Name = "Example", Domain = "example.test", Selector = "s1", Key = "dkim" } },
        };
        var serving = new LevelConfig
        {
            Listeners = { new Listener { Name = "In", Certificate = "spare", LdapAcceptProfile = "dir" } },
            MailFlowPolicies = { new MailFlowPolicy { Name = "Signing", DkimSign = true } },
        };
        var version = new ConfigVersion { Version = 3, Content = secrets.Seal(new ConfigurationSet { Cluster = cluster, Machines = { ["a"] = serving } }) };

        var a = builder.Build(version, "a");
        var b = builder.Build(version, "b");

        Assert.Equal(["web key", "", "spare key"], a.Cluster.Certificates.Select(c => c.PrivateKeyPem));
        Assert.Equal(["dir password", ""], a.Cluster.LdapProfiles.Select(p => p.BindPassword));
        Assert.Equal(["web key", "", ""], b.Cluster.Certificates.Select(c => c.PrivateKeyPem));
        Assert.Equal(["", ""], b.Cluster.LdapProfiles.Select(p => p.BindPassword));
        Assert.Null(a.Cluster.Manager);
        Assert.Null(b.Cluster.Manager);
        // a signs: the key of its profile, not the spare one; b does not sign: no key at all.
        Assert.Equal(["dkim key"], a.Cluster.SigningKeys.Select(k => k.PrivateKeyPem));
        Assert.Empty(b.Cluster.SigningKeys);
    }

    [Fact]
    public void A_node_that_signs_only_the_dmarc_reports_gets_only_that_profiles_key()
    {
        var cluster = new LevelConfig
        {
            Manager = new ManagerSettings { DmarcReporting = new DmarcReportingSettings { Enabled = true, OrganizationName = "Example", Email = "dmarc-reports@reports.example.test" } },
            SigningKeys = { new SigningKey { Name = "mail", PrivateKeyPem = "mail key" }, new SigningKey { Name = "reports", PrivateKeyPem = "reports key" } },
            DkimProfiles =
            {
                new DkimProfile { Name = "Mail", Domain = "example.net", Selector = "s1", Key = "mail" },
                new DkimProfile { Name = "Reports", Domain = "example.test", Selector = "r1", Key = "reports" },
            },
        };
        var version = new ConfigVersion { Version = 4, Content = secrets.Seal(new ConfigurationSet { Cluster = cluster }) };

        Assert.Equal(["reports key"], new SnapshotBuilder(secrets).Build(version, "a").Cluster.SigningKeys.Select(k => k.PrivateKeyPem));
        cluster.Manager.DmarcReporting.Enabled = false;
        version.Content = secrets.Seal(new ConfigurationSet { Cluster = cluster });
        Assert.Empty(new SnapshotBuilder(secrets).Build(version, "a").Cluster.SigningKeys);
    }

    [Fact]
    public void A_node_that_seals_gets_only_the_sealing_profiles_key()
    {
        var cluster = new LevelConfig
        {
            SigningKeys = { new SigningKey { Name = "mail", PrivateKeyPem = "mail key" }, new SigningKey { Name = "seal", PrivateKeyPem = "seal key" } },
            DkimProfiles =
            {
                new DkimProfile { Name = "Mail", Domain = "example.net", Selector = "s1", Key = "mail" },
                new DkimProfile { Name = "Gateway", Domain = "example.test", Selector = "arc", Key = "seal" },
            },
        };
        var sealing = new LevelConfig { MailFlowPolicies = { new MailFlowPolicy { Name = "In", Verify = new InboundVerification { Arc = true, ArcSeal = "gateway" } } } };
        var version = new ConfigVersion { Version = 5, Content = secrets.Seal(new ConfigurationSet { Cluster = cluster, Machines = { ["a"] = sealing } }) };

        Assert.Equal(["seal key"], new SnapshotBuilder(secrets).Build(version, "a").Cluster.SigningKeys.Select(k => k.PrivateKeyPem));
        Assert.Empty(new SnapshotBuilder(secrets).Build(version, "b").Cluster.SigningKeys);
    }

    private ConfigVersion Version(long number, string key) => new()
    {
        Version = number,
        Content = secrets.Seal(new ConfigurationSet
        {
            Cluster = new LevelConfig
            {
                Certificates = { new Certificate { Name = "web", PrivateKeyPem = key, PendingPrivateKeyPem = "pending" } },
                DestinationGlobal = new DestinationGlobalSettings { Certificate = "web" },
            },
        }),
    };
}
