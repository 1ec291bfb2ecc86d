using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Hosting;
using Gatehouse.Configuration.Files;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Validation;
using Microsoft.Extensions.Time.Testing;

namespace Gatehouse.ClusterManager.Tests.ClusterConfig;

/// <summary>The samples the README points to are valid, as staged the way their comments say.</summary>
public sealed class SampleConfigurationTests
{
    [Fact]
    public void The_sample_cluster_and_machine_levels_are_valid_over_the_initial_configuration()
    {
        var initial = InitialConfiguration.Create(new FakeTimeProvider());
        var cluster = ConfigMerge.Merge(initial, Read("cluster.yaml")).Config;
        var machine = Read("machine-node1.yaml");

        var errors = ConfigValidator.Standard.Validate(cluster, machine);

        Assert.Empty(errors.Select(ValidationErrors.Format));
        Assert.Equal(InboundTls.Required, ConfigMerge.Merge(cluster, machine).Config.MailFlowPolicies.Single(p => p.Name == "ACCEPTED").Tls);
    }

    [Fact]
    public void The_services_sample_is_valid_over_the_sample_cluster_level()
    {
        var initial = InitialConfiguration.Create(new FakeTimeProvider());
        var cluster = ConfigMerge.Merge(ConfigMerge.Merge(initial, Read("cluster.yaml")).Config, Read("services.yaml")).Config;

        var errors = ConfigValidator.Standard.Validate(cluster, Read("machine-node1.yaml"));

        Assert.Empty(errors.Select(ValidationErrors.Format));
        Assert.Equal("Corporate", cluster.Listeners.Single(l => l.Name == "IncomingMail").LdapAcceptProfile);
        Assert.True(cluster.WebSecurity.Enabled);
    }

    [Fact]
    public void The_initial_configuration_is_valid_and_holds_the_demo_certificate()
    {
        var initial = InitialConfiguration.Create(new FakeTimeProvider());

        Assert.Empty(ConfigValidator.Standard.Validate(initial, new LevelConfig()));
        Assert.True(initial.Certificates.Single(c => c.Name == "demo").Demo);
    }

    private static LevelConfig Read(string file)
    {
        var path = Path.Combine(Root(), "deploy", "samples", file);
        return ConfigFileReader.ReadLevel(File.ReadAllText(path), path);
    }

    private static string Root()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "cluster.sln")))
        {
            dir = dir.Parent;
        }

        return dir.FullName;
    }
}
