using Gatehouse.Node.Authentication;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Gatehouse.Node.Tests.Authentication;

public sealed class DkimVerificationTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly AsymmetricCipherKeyPair Rsa = RsaPair(2048);
    private static readonly AsymmetricCipherKeyPair Ed = EdPair();

    [Fact]
    public async Task Rsa_and_ed25519_signatures_pass_and_one_altered_after_signing_fails()
    {
        var keys = new Keys { ["s1._domainkey.example.test"] = Rsa.Public, ["ed._domainkey.ed.example.test"] = Ed.Public };
        var message = Message();
        Sign(message, Rsa.Private, "example.test", "s1", DkimSignatureAlgorithm.RsaSha256);
        Sign(message, Ed.Private, "ed.example.test", "ed", DkimSignatureAlgorithm.Ed25519Sha256);

        var checks = await DkimVerification.CheckAsync(message, keys, Now, default);
        Assert.Equal(["pass", "pass"], checks.Select(c => c.Result));
        Assert.Equal(["ed.example.test", "example.test"], checks.Select(c => c.Domain));

        message.Body = new TextPart("plain") { Text = "Altered on the way\r\n" };
        Assert.Equal(["fail", "fail"], (await DkimVerification.CheckAsync(message, keys, Now, default)).Select(c => c.Result));
    }

    [Fact]
    public async Task A_key_that_is_not_the_signers_fails_and_a_missing_one_is_a_permanent_error()
    {
        var message = Message();
        Sign(message, Rsa.Private, "example.test", "s1", DkimSignatureAlgorithm.RsaSha256);

        var other = await DkimVerification.CheckAsync(message, new Keys { ["s1._domainkey.example.test"] = RsaPair(2048).Public }, Now, default);
        Assert.Equal("fail", Assert.Single(other).Result);

        var missing = Assert.Single(await DkimVerification.CheckAsync(message, new Keys(), Now, default));
        Assert.Equal(("permerror", "no key published"), (missing.Result, missing.Reason));
        Assert.Equal("dkim=permerror reason=\"no key published\" header.d=example.test header.s=s1 header.b=" + missing.SignaturePrefix, missing.AuthenticationResult.Replace("\"" + missing.SignaturePrefix + "\"", missing.SignaturePrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_short_rsa_key_and_rsa_sha1_are_refused_by_policy_and_an_expired_signature_fails()
    {
        var shortKey = RsaPair(512);
        var message = Message();
        Sign(message, shortKey.Private, "short.test", "s", DkimSignatureAlgorithm.RsaSha256);
        var check = Assert.Single(await DkimVerification.CheckAsync(message, new Keys { ["s._domainkey.short.test"] = shortKey.Public }, Now, default));
        Assert.Equal(("policy", "RSA key of 512 bits, 1024 at least"), (check.Result, check.Reason));

        var sha1 = Message();
        Sign(sha1, Rsa.Private, "example.test", "s1", DkimSignatureAlgorithm.RsaSha1);
        Assert.Equal("policy", Assert.Single(await DkimVerification.CheckAsync(sha1, new Keys { ["s1._domainkey.example.test"] = Rsa.Public }, Now, default)).Result);

        var expired = Message();
        expired.Headers.Add("DKIM-Signature", $"v=1; a=rsa-sha256; d=example.test; s=s1; t=1; x={Now.AddDays(-1).ToUnixTimeSeconds()}; h=from; bh=AAAA; b=AAAAAAAAAAAA");
        var late = Assert.Single(await DkimVerification.CheckAsync(expired, new Keys { ["s1._domainkey.example.test"] = Rsa.Public }, Now, default));
        Assert.Equal(("fail", "signature expired"), (late.Result, late.Reason));
    }

    [Fact]
    public async Task What_the_sender_wrote_reaches_no_header_unless_it_has_the_syntax_it_claims()
    {
        var message = Message();
        message.Headers.Add("DKIM-Signature", "v=1; a=rsa-sha256; d=evil.test\r\n X-Injected: yes; s=a\"b; h=from; bh=AAAA; b=<script>AAAA");
        var check = Assert.Single(await DkimVerification.CheckAsync(message, new Keys(), Now, default));
        Assert.Equal("permerror", check.Result);
        Assert.Equal("dkim=permerror reason=\"the signature has no valid d= or s=\"", check.AuthenticationResult);
        Assert.Equal("permerror (d=? s=? the signature has no valid d= or s=)", check.LogText);
    }

    [Fact]
    public async Task No_signature_is_none_and_no_more_than_five_are_looked_at()
    {
        var none = Assert.Single(await DkimVerification.CheckAsync(Message(), new Keys(), Now, default));
        Assert.Equal(("dkim=none", "none (no signature)"), (none.AuthenticationResult, none.LogText));

        var many = Message();
        for (var i = 0; i < 8; i++)
        {
            Sign(many, Rsa.Private, $"d{i}.example.test", "s1", DkimSignatureAlgorithm.RsaSha256);
        }

        var keys = new Keys();
        Assert.Equal(DkimVerification.MaxSignatures, (await DkimVerification.CheckAsync(many, keys, Now, default)).Count);
        Assert.Equal(DkimVerification.MaxSignatures, keys.Asked);
    }

    [Fact]
    public void A_key_record_is_read_once_and_one_longer_than_an_8192_bit_keys_is_refused_unread()
    {
        var spki = Convert.ToBase64String(Org.BouncyCastle.X509.SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(Rsa.Public).GetDerEncoded());
        var record = $"v=DKIM1; k=rsa; p={spki}";
        Assert.Same(DnsKeyLocator.Read(record), DnsKeyLocator.Read(record));

        var huge = Assert.Throws<KeyLookupException>(() => DnsKeyLocator.Read($"v=DKIM1; k=rsa; p={new string('A', 2000)}"));
        Assert.Equal("permerror", huge.Result);
        Assert.Equal("permerror", Assert.Throws<KeyLookupException>(() => DnsKeyLocator.Read("v=DKIM1; k=rsa; p=")).Result);
    }

    private static MimeMessage Message()
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("alice@example.test"));
        message.To.Add(MailboxAddress.Parse("bob@dest.test"));
        message.Subject = "checked";
        message.Body = new TextPart("plain") { Text = "Line one\r\n\r\n" };
        return message;
    }

    private static void Sign(MimeMessage message, AsymmetricKeyParameter key, string domain, string selector, DkimSignatureAlgorithm algorithm) =>
        new DkimSigner(key, domain, selector, algorithm) { HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed, BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed }
            .Sign(message, ["From", "To", "Subject"]);

    private static AsymmetricCipherKeyPair RsaPair(int bits)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), bits));
        return generator.GenerateKeyPair();
    }

    private static AsymmetricCipherKeyPair EdPair()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        return generator.GenerateKeyPair();
    }

    // Published keys by SELECTOR._domainkey.DOMAIN; a name without one has no record.
    private sealed class Keys : Dictionary<string, AsymmetricKeyParameter>, IDkimPublicKeyLocator
    {
        public int Asked { get; private set; }

        public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default)
        {
            Asked++;
            return TryGetValue($"{selector}._domainkey.{domain}", out var key) ? key : throw new KeyLookupException("permerror", "no key published");
        }

        public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
