using System.Net;
using Gatehouse.Cluster.V1;
using Gatehouse.Node.Policy;

namespace Gatehouse.Node.Tests.Policy;

public sealed class PolicyTests
{
    private static readonly LevelConfig Config = new()
    {
        MailFlowPolicies =
        {
            new MailFlowPolicy { Name = "GO", Behavior = PolicyBehavior.Accept },
            new MailFlowPolicy { Name = "ON", Behavior = PolicyBehavior.Continue },
            new MailFlowPolicy { Name = "NO", Behavior = PolicyBehavior.Reject },
        },
        SenderGroups =
        {
            new SenderGroup { Name = "PASS", Policy = "ON", Members = { "10.0.0.0/8" } },
            new SenderGroup { Name = "RANGE", Policy = "GO", Members = { "10.1.1.10-20" } },
            new SenderGroup { Name = "HOSTS", Policy = "NO", Members = { ".bad.test", "mx.evil.test" } },
        },
    };

    [Theory]
    [InlineData("10.1.1.15", null, "RANGE", "10.1.1.10-20", "GO")]
    [InlineData("10.1.1.21", null, "(default)", "(none)", "NO")]
    [InlineData("192.0.2.1", "a.bad.test", "HOSTS", ".bad.test", "NO")]
    [InlineData("192.0.2.1", "mx.evil.test", "HOSTS", "mx.evil.test", "NO")]
    [InlineData("192.0.2.1", "good.test", "(default)", "(none)", "NO")]
    public void The_first_matching_group_decides_and_continue_goes_on(string client, string? verifiedHost, string group, string match, string policy)
    {
        var listener = new Listener { Name = "In", HostAccessTable = { "PASS", "RANGE", "HOSTS" }, DefaultPolicy = "NO" };

        var decision = HostAccess.Decide(Config, listener, IPAddress.Parse(client), new ReverseName(verifiedHost, verifiedHost is not null));

        Assert.Equal((group, match, policy), (decision.Group, decision.Match, decision.Policy.Name));
    }

    [Fact]
    public void An_unverified_reverse_name_matches_no_host_member()
    {
        var listener = new Listener { Name = "In", HostAccessTable = { "HOSTS" }, DefaultPolicy = "GO" };

        var decision = HostAccess.Decide(Config, listener, IPAddress.Parse("192.0.2.1"), new ReverseName("a.bad.test", Verified: false));

        Assert.Equal("GO", decision.Policy.Name);
    }

    [Fact]
    public void Without_a_default_policy_nothing_is_accepted()
    {
        var decision = HostAccess.Decide(Config, new Listener { Name = "In" }, IPAddress.Loopback, ReverseName.None);

        Assert.Equal(PolicyBehavior.Reject, decision.Policy.Behavior);
    }

    [Theory]
    [InlineData("user@example.com", true)]
    [InlineData("user@EXAMPLE.com", true)]
    [InlineData("user@sub.example.com", false)]
    [InlineData("user@deep.sub.example.org", true)]
    [InlineData("blocked@example.com", false)]
    [InlineData("user@elsewhere.test", false)]
    public void The_RAT_accepts_listed_domains_subdomains_and_addresses_only(string recipient, bool accepted)
    {
        var listener = new Listener
        {
            RecipientAccessTable =
            {
                new RecipientAccessEntry { Recipient = "blocked@example.com", Action = RecipientAction.Reject },
                new RecipientAccessEntry { Recipient = "example.com", Action = RecipientAction.Accept },
                new RecipientAccessEntry { Recipient = ".example.org", Action = RecipientAction.Accept },
            },
        };

        Assert.Equal(accepted, RecipientAccess.Accepts(listener, recipient));
    }
}
