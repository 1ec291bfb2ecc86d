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

    [Fact]
    public async Task Results_under_a_record_with_rua_are_counted_per_day_with_what_was_done_and_why()
    {
        var dns = new Txt
        {
            ["_dmarc.example.test"] = "v=DMARC1; p=none; sp=reject; pct=50; aspf=s; fo=1; rua=mailto:d@example.test",
            ["_dmarc.quiet.test"] = "v=DMARC1; p=reject",
        };
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
        var recorder = new DmarcRecorder(Path.Combine(directory, "dmarc"), time);
        var source = IPAddress.Parse("::ffff:192.0.2.7");
        var signed = new[] { new DkimCheck("pass", "news.example.test", "s1"), new DkimCheck("fail", "elsewhere.test", "k") };
        var pass = await Check(["news.example.test"], null, "x@other.test", signed, dns, Debian());
        recorder.Record(pass, source, "x@other.test", "client.example", new SpfOutcome(SpfResult.SoftFail, ""), signed, refused: false);
        recorder.Record(pass, source, "x@other.test", "client.example", new SpfOutcome(SpfResult.SoftFail, ""), signed, refused: false);
        var rejected = await Check(["news.example.test"], null, "", [], dns, Debian(), sample: 10);
        recorder.Record(rejected, source, "", "client.example", null, [], refused: true);
        var sampledOut = await Check(["news.example.test"], null, "", [], dns, Debian(), sample: 70);
        recorder.Record(sampledOut, source, "", "client.example", null, [], refused: false);
        // No rua=: nothing to report to.
        recorder.Record(await Check(["quiet.test"], null, "x@other.test", [], dns, Debian()), source, "x@other.test", "client.example", null, [], refused: true);
        await recorder.DisposeAsync();

        var rows = Gatehouse.Node.Runtime.DailyRecords<Cluster.DmarcRpt.DmarcRow>.ReadDay(Path.Combine(directory, "dmarc"), new DateOnly(2026, 12, 7));
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(("192.0.2.7", "news.example.test", "example.test", "s", "reject", 50, "1"),
            (r.SourceIp, r.HeaderFrom, r.Policy.Domain, r.Policy.Aspf, r.Policy.Sp, r.Policy.Pct, r.Policy.Fo)));
        var passed = Assert.Single(rows, r => r.Dkim == "pass");
        Assert.Equal((2L, "none", "fail", "other.test", "mfrom", "softfail"), (passed.Count, passed.Disposition, passed.Spf, passed.SpfResult.Domain, passed.SpfResult.Scope, passed.SpfResult.Result));
        Assert.Equal(["news.example.test s1 pass", "elsewhere.test k fail"], passed.DkimResults.Select(d => $"{d.Domain} {d.Selector} {d.Result}"));
        var refused = Assert.Single(rows, r => r.Disposition == "reject");
        Assert.Equal(("client.example", "helo", "none"), (refused.SpfResult.Domain, refused.SpfResult.Scope, refused.SpfResult.Result));
        Assert.Empty(refused.Reasons);
        var delivered = Assert.Single(rows, r => r.Dkim == "fail" && r.Disposition == "none");
        Assert.Equal(["sampled_out", "local_policy"], delivered.Reasons.Select(r => r.Type));
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
