using System.Security.Cryptography;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Secrets;

namespace Gatehouse.ClusterManager.Tests.Secrets;

/// <summary>A secret encrypted at rest opens only where it was sealed: same level, entity and field.</summary>
[Trait("Category", "Security")]
public sealed class SecretBindingTests
{
    private readonly SecretBox box = new(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_ciphertext_moved_to_another_entity_field_or_level_does_not_open()
    {
        var sealedSet = box.Seal(new ConfigurationSet
        {
            Cluster = Level(("a", "key of a"), ("b", "key of b")),
            Machines = { ["mx1"] = Level(("a", "machine key of a")) },
        });
        var keyOfA = sealedSet.Cluster.Certificates[0].PrivateKeyPem;
        Assert.StartsWith("enc:v2:", keyOfA, StringComparison.Ordinal);
        Assert.Equal("key of b", box.Open(sealedSet).Cluster.Certificates[1].PrivateKeyPem);

        var otherEntity = sealedSet.Clone();
        otherEntity.Cluster.Certificates[1].PrivateKeyPem = keyOfA;
        var otherLevel = sealedSet.Clone();
        otherLevel.Machines["mx1"].Certificates[0].PrivateKeyPem = keyOfA;
        var otherField = sealedSet.Clone();
        otherField.Cluster.LdapProfiles.Add(new LdapProfile { Name = "a", BindPassword = keyOfA });

        Assert.Contains("cluster.certificates[b].private_key_pem cannot be decrypted", Assert.Throws<CryptographicException>(() => box.Open(otherEntity)).Message, StringComparison.Ordinal);
        Assert.Contains("machines[mx1].certificates[a].private_key_pem cannot be decrypted", Assert.Throws<CryptographicException>(() => box.Open(otherLevel)).Message, StringComparison.Ordinal);
        Assert.Throws<CryptographicException>(() => box.Open(otherField));
    }

    [Fact]
    public void A_level_sealed_alone_opens_inside_the_whole_configuration_and_back()
    {
        var machineLevel = box.Seal(Level(("a", "key")), "mx1");
        var set = new ConfigurationSet { Cluster = new LevelConfig(), Machines = { ["mx1"] = machineLevel } };

        Assert.Equal("key", box.Open(set).Machines["mx1"].Certificates[0].PrivateKeyPem);
        Assert.Throws<CryptographicException>(() => box.Open(machineLevel, machine: null));
    }

    [Fact]
    public void First_format_values_are_upgraded_and_otherwise_refused()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var secrets = new SecretBox(key);
        var old = new ConfigurationSet { Cluster = Level(("a", "")) };
        old.Cluster.Certificates[0].PrivateKeyPem = "enc:v1:" + AesGcmText.Seal(key, "old key");

        Assert.Contains("first encrypted format", Assert.Throws<CryptographicException>(() => secrets.Open(old)).Message, StringComparison.Ordinal);
        var upgraded = secrets.Upgrade(old)!;
        Assert.StartsWith("enc:v2:", upgraded.Cluster.Certificates[0].PrivateKeyPem, StringComparison.Ordinal);
        Assert.Equal("old key", secrets.Open(upgraded).Cluster.Certificates[0].PrivateKeyPem);
        Assert.Null(secrets.Upgrade(upgraded));
    }

    private static LevelConfig Level(params (string Name, string Key)[] certificates)
    {
        var level = new LevelConfig();
        level.Certificates.AddRange(certificates.Select(c => new Certificate { Name = c.Name, PrivateKeyPem = c.Key }));
        return level;
    }
}
