using Gatehouse.Cluster.V1;
using Gatehouse.Configuration.Matching;
using Gatehouse.Configuration.Validation;

namespace Gatehouse.Configuration.Tests.Validation;

public sealed class CertificateUseRuleTests
{
    [Theory]
    [InlineData("mx1.example.com", "mx1.example.com", true)]
    [InlineData("MX1.Example.com", "mx1.example.com.", true)]
    [InlineData("*.example.com", "mx1.example.com", true)]
    [InlineData("*.example.com", "example.com", false)]
    [InlineData("*.example.com", "a.mx1.example.com", false)]
    [InlineData("mx2.example.com", "mx1.example.com", false)]
    public void Names_match_as_RFC_6125_says(string pattern, string host, bool matches) =>
        Assert.Equal(matches, HostNames.Matches(pattern, host));

    [Fact]
    public void A_listener_whose_certificate_does_not_name_its_interface_host_warns()
    {
        var report = Check(TestCertificates.SelfSigned("server", "other.example.com"), hostname: "mx1.example.com");

        Assert.Empty(report.All);
        var warning = Assert.Single(report.Warnings);
        Assert.Equal("listeners[In].certificate", warning.Path);
        Assert.Contains("not the interface host name mx1.example.com", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_matching_certificate_gives_no_warning()
    {
        Assert.Empty(Check(TestCertificates.SelfSigned("server", "mx1.example.com"), hostname: "mx1.example.com").Warnings);
    }

    [Fact]
    public void The_demo_certificate_warns_wherever_it_is_used()
    {
        var demo = TestCertificates.SelfSigned("server", "mx1.example.com");
        demo.Demo = true;

        var warning = Assert.Single(Check(demo, hostname: "mx1.example.com").Warnings);

        Assert.Contains("demonstration certificate", warning.Message, StringComparison.Ordinal);
    }

    private static ValidationErrors Check(Certificate certificate, string hostname)
    {
        var cluster = new LevelConfig
        {
            Certificates = { certificate },
            MailFlowPolicies = { new MailFlowPolicy { Name = "P", Behavior = PolicyBehavior.Accept } },
            Listeners = { new Listener { Name = "In", Type = ListenerType.Private, Interface = "Data1", Port = 25, Certificate = certificate.Name, DefaultPolicy = "P" } },
        };
        var machine = new LevelConfig { IpInterfaces = { new IpInterface { Name = "Data1", Address = "127.0.0.2", Hostname = hostname } } };
        return ConfigValidator.Standard.Check(cluster, machine);
    }
}
