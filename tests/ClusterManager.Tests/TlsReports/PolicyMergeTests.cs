using Gatehouse.Cluster.TlsRpt;
using Gatehouse.ClusterManager.TlsReports;

namespace Gatehouse.ClusterManager.Tests.TlsReports;

public sealed class PolicyMergeTests
{
    [Fact]
    public void The_same_policy_from_two_nodes_is_one_element_with_the_counts_added()
    {
        var sts = new ReportedPolicy("sts", ["version: STSv1", "mode: enforce", "mx: mx.example.net", "max_age: 86400"], "example.net", ["mx.example.net"]);
        var node1 = Record(sts, 3, ("certificate-host-mismatch", "192.0.2.1", "mx.example.net", "198.51.100.5", 2));
        var node2 = Record(sts with { Domain = "Example.NET" }, 4,
            ("certificate-host-mismatch", "192.0.2.2", "mx.example.net", "198.51.100.5", 1),
            ("certificate-host-mismatch", "192.0.2.1", "MX.example.net", "198.51.100.5", 5));
        var other = Record(new ReportedPolicy("no-policy-found", [], "other.test", []), 1);

        var merged = PolicyMerge.ByDomain([node1, node2, other]);

        Assert.Equal(["example.net", "other.test"], merged.Keys);
        var policy = Assert.Single(merged["example.net"]);
        Assert.Equal(7, policy.Summary.Successful);
        Assert.Equal(8, policy.Summary.Failed);
        Assert.Equal([("192.0.2.1", 7L), ("192.0.2.2", 1L)], policy.FailureDetails.Select(d => (d.SendingMtaIp, d.FailedSessionCount)).Order());
        Assert.Equal(1, merged["other.test"].Single().Summary.Successful);
    }

    [Fact]
    public void Different_policies_of_one_domain_stay_apart_and_mx_hosts_are_joined()
    {
        var first = new ReportedPolicy("tlsa", ["3 1 1 aa"], "example.net", ["mx1.example.net"]);
        var merged = PolicyMerge.ByDomain([
            Record(first, 1),
            Record(first with { MxHosts = ["mx2.example.net"] }, 1),
            Record(new ReportedPolicy("tlsa", ["3 1 1 bb"], "example.net", ["mx1.example.net"]), 1),
        ]);

        Assert.Equal(2, merged["example.net"].Count);
        Assert.Equal(["mx1.example.net", "mx2.example.net"], merged["example.net"].Single(p => p.Policy.Strings[0] == "3 1 1 aa").Policy.MxHosts);
    }

    private static PolicyRecord Record(ReportedPolicy policy, long successful, params (string Type, string From, string Mx, string To, long Count)[] failures)
    {
        var record = new PolicyRecord { Policy = policy, Summary = { Successful = successful, Failed = failures.Sum(f => f.Count) } };
        record.FailureDetails.AddRange(failures.Select(f => new FailureDetail { ResultType = f.Type, SendingMtaIp = f.From, ReceivingMxHostname = f.Mx, ReceivingIp = f.To, FailedSessionCount = f.Count }));
        return record;
    }
}
