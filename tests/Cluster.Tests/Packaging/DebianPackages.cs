namespace Gatehouse.Cluster.Tests.Packaging;

/// <summary>The two Debian packages, built once for the class by <c>deploy/debian/build-packages.sh</c>.</summary>
public sealed class DebianPackages : IAsyncLifetime
{
    public string Work { get; } = Directory.CreateTempSubdirectory("gatehouse-deb-").FullName;

    public string Manager => Path.Combine(Work, "out", $"gatehouse-manager_{Release}_amd64.deb");

    public string Node => Path.Combine(Work, "out", $"gatehouse-node_{Release}_amd64.deb");

    // The release of Directory.Build.props, which the packages are named after.
    private static string Release { get; } = System.Text.RegularExpressions.Regex.Match(
        File.ReadAllText(Path.Combine(Binaries.RepositoryRoot, "Directory.Build.props")), "<Version>([^<]+)</Version>").Groups[1].Value;

    /// <summary>Both packages unpacked, with the host's systemd units beside ours (for systemd-analyze).</summary>
    public string Root => Path.Combine(Work, "root");

    public async Task InitializeAsync()
    {
        (await ManagedProcess.RunProgramAsync("bash", [Path.Combine(Binaries.RepositoryRoot, "deploy", "debian", "build-packages.sh"), Path.Combine(Work, "out")],
            timeout: TimeSpan.FromMinutes(15))).Succeeded();
        Directory.CreateDirectory(Root);
        foreach (var package in new[] { Manager, Node })
        {
            (await ManagedProcess.RunProgramAsync("dpkg-deb", ["-x", package, Root])).Succeeded();
        }

        (await ManagedProcess.RunProgramAsync("cp", ["-rn", "/lib/systemd/system/.", Path.Combine(Root, "lib", "systemd", "system")])).Succeeded();
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Work, recursive: true);
        return Task.CompletedTask;
    }
}
