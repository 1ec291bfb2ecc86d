using System.Text.Json;
using Gatehouse.Cluster.MtaSts;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Delivery.DomainPolicies;
using Gatehouse.Node.Delivery.Reporting;
using Gatehouse.Node.Dns;
using Gatehouse.Node.Logging;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.Node.Tests.Delivery.DomainPolicies;

/// <summary>
/// A policy another node shared reaches this node through the manager; a node that was broken
/// into must not be able to loosen, through it, what this node fetched itself.
/// </summary>
[Trait("Category", "Security")]
public sealed class SharedMtaStsTests : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly NodeFixture node = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly MailLog log;
    private readonly TlsSessionRecorder sessions;
    private readonly MtaStsResolver resolver;
    private readonly string policies;

    public SharedMtaStsTests()
    {
        policies = Path.Combine(node.DataDir, "state", "mta-sts");
        log = new MailLog(Path.Combine(node.DataDir, "logs"), node.Current, time);
        sessions = new TlsSessionRecorder(Path.Combine(node.DataDir, "state", "tls-reports"), time);
        resolver = new MtaStsResolver(new DnsClients(node.Current), policies, time, log, sessions);
    }

    [Theory]
    [InlineData("none", "")]
    [InlineData("testing", "mx: mx1.example.net\n")]
    public void A_shared_policy_that_does_not_enforce_is_not_taken(string mode, string mx)
    {
        Assert.False(resolver.Learn(Shared("one", $"version: STSv1\nmode: {mode}\n{mx}max_age: 31557600\n")));
    }

    [Fact]
    public void Under_the_id_of_a_policy_fetched_here_a_shared_one_may_be_as_strict_but_not_looser()
    {
        HeldAsFetchedHere("one", "mx1.example.net", "mx2.example.net");
        time.Advance(TimeSpan.FromMinutes(1));

        Assert.False(resolver.Learn(Shared("one", "version: STSv1\nmode: enforce\nmx: mx1.example.net\nmx: *.attacker.test\nmax_age: 86400\n")));
        Assert.True(resolver.Learn(Shared("one", "version: STSv1\nmode: enforce\nmx: mx1.example.net\nmax_age: 86400\n")));
        // What was taken is marked learned, so that a delivery it would stop checks it at the source first.
        Assert.True(Stored().Learned);
    }

    [Fact]
    public void A_purge_drops_the_policy_held_so_that_an_older_share_or_the_next_fetch_may_take_its_place()
    {
        HeldAsFetchedHere("one", "mx1.example.net");
        var older = Shared("zero", "version: STSv1\nmode: enforce\nmx: mx1.example.net\nmax_age: 86400\n", time.GetUtcNow().AddMinutes(-5));
        Assert.False(resolver.Learn(older));

        resolver.Forget("example.net");

        Assert.False(File.Exists(Path.Combine(policies, "example.net.json")));
        Assert.True(resolver.Learn(older));
    }

    public async ValueTask DisposeAsync()
    {
        await sessions.DisposeAsync();
        await log.DisposeAsync();
        node.Dispose();
    }

    private void HeldAsFetchedHere(string id, params string[] mx)
    {
        Directory.CreateDirectory(policies);
        var policy = new MtaStsPolicy(MtaStsMode.Enforce, mx, TimeSpan.FromDays(1), id, time.GetUtcNow());
        File.WriteAllBytes(Path.Combine(policies, "example.net.json"), JsonSerializer.SerializeToUtf8Bytes(policy, Json));
    }

    private MtaStsPolicy Stored() =>
        JsonSerializer.Deserialize<MtaStsPolicy>(File.ReadAllBytes(Path.Combine(policies, "example.net.json")), Json)!;

    private SharedMtaStsPolicy Shared(string id, string text, DateTimeOffset? fetchedAt = null) => new()
    {
        Domain = "example.net",
        Id = id,
        PolicyText = text,
        FetchedAt = Timestamp.FromDateTimeOffset(fetchedAt ?? time.GetUtcNow()),
        ExpiresAt = Timestamp.FromDateTimeOffset((fetchedAt ?? time.GetUtcNow()).AddDays(1)),
        SharedBy = "node2",
    };
}
