using System.Security.Cryptography;
using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Secrets;

namespace Gatehouse.ClusterManager.Tests.Secrets;

public sealed class PassphraseSecretsTests
{
    private static readonly ConfigurationSet Set = new()
    {
        Cluster = new LevelConfig { LdapProfiles = { new LdapProfile { Name = "l", BindPassword = "s3cret" } } },
    };

    [Fact]
    public void Keys_encrypted_with_a_passphrase_come_back_with_it()
    {
        var encrypted = PassphraseSecrets.Encrypt(Set, "correct horse");

        Assert.StartsWith("pbe:v1:", encrypted.Cluster.LdapProfiles[0].BindPassword, StringComparison.Ordinal);
        Assert.Equal(Set, PassphraseSecrets.Decrypt(encrypted, "correct horse"));
    }

    [Fact]
    public void A_wrong_passphrase_is_a_clear_error()
    {
        var encrypted = PassphraseSecrets.Encrypt(Set, "correct horse");

        var e = Assert.ThrowsAny<CryptographicException>(() => PassphraseSecrets.Decrypt(encrypted, "wrong horse"));

        Assert.Contains("wrong passphrase", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encrypted_values_are_unusable_without_decryption()
    {
        Assert.Equal(["passphrase-encrypted"], PassphraseSecrets.Unusable(PassphraseSecrets.Encrypt(Set, "correct horse")));
        Assert.Empty(PassphraseSecrets.Unusable(Set));
    }
}
