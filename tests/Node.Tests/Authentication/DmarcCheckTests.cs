using System.Net;
using Gatehouse.Node.Authentication;
using Gatehouse.Node.Authentication.Dmarc;
using Gatehouse.Node.Authentication.Spf;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Node.Tests.Authentication;

public sealed class DmarcCheckTests : IDisposable
{
    private static readonly SpfOutcome SpfPass = new(SpfResult.Pass, "");
    private readonly string directory = Directory.CreateTempSubdirectory("gatehouse-psl-").FullName;

    [Fact]
    public async Task Spf_or_dkim_for_an_aligned_domain_passes_and_neither_fails_with_the_domains_policy()
    {
        var dns = new Txt { ["_dmarc.example.co.uk"] = "v=DMARC1; p=reject; rua=mailto:d@example.co.uk" };
        var suffixes = Debian();

        var relaxed = await Check(["example.co.uk"], SpfPass, "bounce@mail.example.co.uk", [], dns, suffixes);
        Assert.Equal(("pass", "reject"), (relaxed.Result, relaxed.Policy));
        Assert.Equal("dmarc=pass (p=reject dis=none) reason=\"SPF aligned\" header.from=example.co.uk", relaxed.AuthenticationResult);

        var dkim = await Check(["example.co.uk"], new SpfOutcome(SpfResult.Fail, ""), "x@other.test", [new DkimCheck("pass", "lists.example.co.uk")], dns, suffixes);
        Assert.Equal("pass", dkim.Result);

        // Another domain under the same public suffix is not aligned, nor is a failed signature.
        var other = await Check(["example.co.uk"], SpfPass, "x@attacker.co.uk", [new DkimCheck("fail", "example.co.uk")], dns, suffixes);
        Assert.Equal(("fail", "reject"), (other.Result, other.Disposition));
    }

    [Fact]
    public async Task Strict_alignment_wants_the_same_domain()
    {
        var dns = new Txt { ["_dmarc.example.test"] = "v=DMARC1; p=quarantine; aspf=s; adkim=s" };
        Assert.Equal("fail", (await Check(["example.test"], SpfPass, "x@mail.example.test", [new DkimCheck("pass", "mail.example.test")], dns, Debian())).Result);
        Assert.Equal("pass", (await Check(["example.test"], SpfPass, "x@example.test", [], dns, Debian())).Result);
    }

    [Fact]
    public async Task A_subdomain_without_a_record_takes_the_organizations_subdomain_policy_and_pct_softens_some()
    {
        var dns = new Txt { ["_dmarc.example.test"] = "v=DMARC1; p=none; sp=reject; pct=50" };
        var sampledIn = await Check(["news.example.test"], null, "x@other.test", [], dns, Debian(), sample: 10);
        Assert.Equal(("fail", "reject", "reject"), (sampledIn.Result, sampledIn.Policy, sampledIn.Disposition));
        var sampledOut = await Check(["news.example.test"], null, "x@other.test", [], dns, Debian(), sample: 70);
        Assert.Equal("quarantine", sampledOut.Disposition);
        Assert.Equal("none", (await Check(["example.test"], null, "x@other.test", [], dns, Debian())).Disposition);
    }

    [Fact]
    public async Task No_record_is_none_a_dns_failure_temperror_and_not_one_from_domain_permerror()
    {
        Assert.Equal("none", (await Check(["example.test"], SpfPass, "x@example.test", [], new Txt(), Debian())).Result);
        Assert.Equal("none", (await Check(["example.test"], SpfPass, "x@example.test", [], new Txt { ["_dmarc.example.test"] = "v=DMARC1; p=bogus" }, Debian())).Result);
        Assert.Equal("none", (await Check(["example.test"], SpfPass, "x@example.test", [], new Txt { ["_dmarc.example.test"] = "v=DMARC1; p=reject\nv=DMARC1; p=none" }, Debian())).Result);
        Assert.Equal("temperror", (await Check(["example.test"], SpfPass, "x@example.test", [], new Txt { Failing = true }, Debian())).Result);
        Assert.Equal("permerror", (await Check(["a.test", "b.test"], SpfPass, "x@a.test", [], new Txt(), Debian())).Result);
        Assert.Equal("permerror", (await Check([], SpfPass, "x@a.test", [], new Txt(), Debian())).Result);
    }

    [Fact]
    public void Organizational_domains_follow_the_public_suffix_list_and_a_changed_list_is_read_again()
    {
        var debian = Debian();
        Assert.Equal("example.co.uk", debian.OrganizationalDomain("a.b.example.co.uk"));
        Assert.Equal("example.com", debian.OrganizationalDomain("Mail.Example.COM"));
        Assert.Equal("www.ck", debian.OrganizationalDomain("mail.www.ck"));
        Assert.Equal("a.b.ck", debian.OrganizationalDomain("x.a.b.ck"));
        Assert.Equal("example.test", debian.OrganizationalDomain("mail.example.test"));
        Assert.Equal("co.uk", debian.OrganizationalDomain("co.uk"));

        var path = Path.Combine(directory, "list.dat");
        File.WriteAllText(path, "// a list\ntest\n");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var list = new PublicSuffixList(path, time);
        Assert.Equal("example.test", list.OrganizationalDomain("a.example.test"));
        File.WriteAllText(path, "test\nexample.test\n");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5));
        Assert.Equal("example.test", list.OrganizationalDomain("a.example.test"));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("a.example.test", list.OrganizationalDomain("a.example.test"));

        Assert.Equal("a.example.test", new PublicSuffixList(Path.Combine(directory, "missing.dat"), time).OrganizationalDomain("a.example.test"));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static PublicSuffixList Debian()
    {
        Assert.True(File.Exists(PublicSuffixList.DebianPath), $"{PublicSuffixList.DebianPath} is missing: install publicsuffix");
        return new PublicSuffixList(PublicSuffixList.DebianPath, TimeProvider.System);
    }

    private static Task<DmarcResult> Check(string[] from, SpfOutcome? spf, string mailFrom, DkimCheck[] dkim, Txt dns, PublicSuffixList suffixes, int sample = 0) =>
        DmarcCheck.CheckAsync(from, spf, mailFrom, "client.example", dkim, dns, suffixes, sample, default);

    // TXT records by name, several separated by a line feed.
    private sealed class Txt : Dictionary<string, string>, ISpfDns
    {
        public bool Failing { get; init; }

        public Task<DnsAnswer<string>> TxtAsync(string name, CancellationToken cancel) =>
            Task.FromResult(Failing ? DnsAnswer<string>.Failure : new DnsAnswer<string>(TryGetValue(name, out var text) ? text.Split('\n') : []));

        public Task<DnsAnswer<IPAddress>> AddressesAsync(string name, bool ipv6, CancellationToken cancel) => throw new NotSupportedException();

        public Task<DnsAnswer<string>> MxAsync(string name, CancellationToken cancel) => throw new NotSupportedException();

        public Task<DnsAnswer<string>> PtrAsync(IPAddress address, CancellationToken cancel) => throw new NotSupportedException();
    }
}
