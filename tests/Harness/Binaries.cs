namespace Gatehouse.Harness;

/// <summary>Finds the built manager and node next to the tests (same build configuration).</summary>
public static class Binaries
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Manager => Find("ClusterManager", "gatehouse-manager.dll");

    public static string Node => Find("Node", "gatehouse-node.dll");

    private static string Find(string project, string file)
    {
        // …/bin/CONFIGURATION/net10.0/
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var path = Path.Combine(RepositoryRoot, "src", project, "bin", configuration, "net10.0", file);
        return File.Exists(path) ? path : throw new FileNotFoundException($"build the solution first: {path} is missing", path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "cluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cluster.sln not found above " + AppContext.BaseDirectory);
    }
}
