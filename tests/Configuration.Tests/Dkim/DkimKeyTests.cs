using System.Security.Cryptography;
using Gatehouse.Configuration.Dkim;

namespace Gatehouse.Configuration.Tests.Dkim;

/// <summary>Signing keys are RSA of 1024 bits or more or Ed25519, read from the PEM forms admins bring, and published as RFC 6376 records.</summary>
public sealed class DkimKeyTests
{
    [Theory]
    [InlineData("rsa-2048", "rsa", 2048)]
    [InlineData("rsa-3072", "rsa", 3072)]
    [InlineData("ed25519", "ed25519", 256)]
    public void A_generated_key_reads_back_as_what_was_asked(string kind, string algorithm, int bits)
    {
        var key = DkimKey.Read(DkimKey.Generate(kind));

        Assert.Equal(algorithm, key.Algorithm);
        Assert.Equal(bits, key.Bits);
        Assert.Equal(key.PublicKey, DkimKey.Read(key.ToPkcs8Pem()).PublicKey);
    }

    [Fact]
    public void An_rsa_key_in_pkcs1_is_read_and_stored_as_pkcs8_with_its_subject_public_key_info_published()
    {
        using var rsa = RSA.Create(1024);

        var key = DkimKey.Read(rsa.ExportRSAPrivateKeyPem());

        Assert.Equal(1024, key.Bits);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", key.ToPkcs8Pem(), StringComparison.Ordinal);
        Assert.Equal(rsa.ExportSubjectPublicKeyInfo(), key.PublicKey);
    }

    [Fact]
    public void What_cannot_sign_dkim_is_refused_with_its_reason()
    {
        using var shortRsa = RSA.Create(768);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Contains("1024 at least", Refusal(shortRsa.ExportPkcs8PrivateKeyPem()), StringComparison.Ordinal);
        Assert.Contains("RSA or Ed25519", Refusal(ec.ExportPkcs8PrivateKeyPem()), StringComparison.Ordinal);
        Assert.Contains("encrypted", Refusal(shortRsa.ExportEncryptedPkcs8PrivateKeyPem("secret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000))), StringComparison.Ordinal);
        Assert.Contains("not a PEM private key", Refusal("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"), StringComparison.Ordinal);
        Assert.Contains("not a PEM private key", Refusal("hello"), StringComparison.Ordinal);
        Assert.Contains("not a PEM private key", Refusal(PemEncoding.WriteString("PUBLIC KEY", shortRsa.ExportSubjectPublicKeyInfo())), StringComparison.Ordinal);
        Assert.Contains("not a signing key algorithm", Assert.Throws<FormatException>(() => DkimKey.Generate("rsa-1024")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_record_is_named_by_selector_and_domain_and_cut_into_strings_of_at_most_255()
    {
        var rsa = DkimRecord.For(DkimKey.Read(DkimKey.Generate("rsa-3072")), "Example.TEST.", "sel-2026");
        var ed = DkimRecord.For(DkimKey.Read(DkimKey.Generate("ed25519")), "example.test", "ed");

        Assert.Equal("sel-2026._domainkey.example.test.", rsa.Name);
        Assert.StartsWith("v=DKIM1; k=rsa; p=MII", rsa.Value, StringComparison.Ordinal);
        Assert.True(rsa.Strings.Count > 1);
        Assert.All(rsa.Strings, s => Assert.InRange(s.Length, 1, 255));
        Assert.Equal(rsa.Value, string.Concat(rsa.Strings));
        Assert.Equal($"sel-2026._domainkey.example.test. IN TXT \"{rsa.Strings[0]}\" \"{rsa.Strings[1]}\"", rsa.ZoneLine[..(rsa.ZoneLine.IndexOf(rsa.Strings[1], StringComparison.Ordinal) + rsa.Strings[1].Length + 1)]);
        Assert.Single(ed.Strings);
        Assert.Equal(32, Convert.FromBase64String(ed.Value.Split("p=")[1]).Length);
    }

    [Theory]
    [InlineData("example.test", "")]
    [InlineData("example.test", "a b")]
    [InlineData("example.test", "_x")]
    [InlineData("example.test", "s\"; p=evil")]
    [InlineData("localhost", "s")]
    [InlineData("exa mple.test", "s")]
    [InlineData("example.test\n", "s")]
    public void A_selector_or_domain_that_is_not_dns_labels_is_refused(string domain, string selector)
    {
        var key = DkimKey.Read(DkimKey.Generate("ed25519"));

        Assert.Throws<FormatException>(() => DkimRecord.For(key, domain, selector));
    }

    private static string Refusal(string pem) => Assert.Throws<FormatException>(() => DkimKey.Read(pem)).Message;
}
