using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Secrets;

namespace Gatehouse.Configuration.Tests.Secrets;

public sealed class SecretFieldsTests
{
    [Fact]
    public void Only_fields_marked_secret_are_rewritten_in_a_copy()
    {
        var set = new ConfigurationSet
        {
            Cluster = new LevelConfig
            {
                Certificates = { new Certificate { Name = "c", CertificatePem = "CERT", PrivateKeyPem = "KEY" } },
                LdapProfiles = { new LdapProfile { Name = "l", BindDn = "cn=x", BindPassword = "PW" } },
            },
            Machines = { ["n1"] = new LevelConfig { Certificates = { new Certificate { Name = "m", PrivateKeyPem = "KEY2" } } } },
        };

        var masked = SecretFields.Transform(set, _ => SecretFields.Mask);

        Assert.Equal(SecretFields.Mask, masked.Cluster.Certificates[0].PrivateKeyPem);
        Assert.Equal(SecretFields.Mask, masked.Cluster.LdapProfiles[0].BindPassword);
        Assert.Equal(SecretFields.Mask, masked.Machines["n1"].Certificates[0].PrivateKeyPem);
        Assert.Equal("CERT", masked.Cluster.Certificates[0].CertificatePem);
        Assert.Equal("cn=x", masked.Cluster.LdapProfiles[0].BindDn);
        Assert.Equal("KEY", set.Cluster.Certificates[0].PrivateKeyPem);
    }
}
