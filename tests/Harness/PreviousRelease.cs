namespace Gatehouse.Harness;

/// <summary>
/// The node of the release before this one, built from its commit (tagged <see cref="Tag"/>) in a
/// git worktree outside the repository, once per machine: for tests that run an older node
/// beside this build's manager and upgrade it. Building it needs the repository's history.
/// </summary>
public static class PreviousRelease
{
    public const string Tag = "v0.2.0";

    public const string Commit = "769afe373bb786321a14bdc217d014d533c7dd1e";

    private static readonly SemaphoreSlim Building = new(1, 1);

    private static string Worktree => Path.Combine(Path.GetTempPath(), $"gatehouse-{Tag}-{Commit[..12]}");

    /// <summary>The built <c>gatehouse-node.dll</c> of the previous release.</summary>
    public static async Task<string> NodeAsync()
    {
        var dll = Path.Combine(Worktree, "src", "Node", "bin", "Release", "net10.0", "gatehouse-node.dll");
        await Building.WaitAsync();
        try
        {
            if (File.Exists(dll))
            {
                return dll;
            }

            var root = Binaries.RepositoryRoot;
            (await ManagedProcess.RunProgramAsync("git", ["-C", root, "cat-file", "-e", Commit + "^{commit}"])).Succeeded(
                $"release {Tag} ({Commit}) is not in this clone's history: clone the whole repository, not a shallow copy");
            // A worktree left half made by an earlier, interrupted run is made again.
            await ManagedProcess.RunProgramAsync("git", ["-C", root, "worktree", "remove", "--force", Worktree]);
            if (Directory.Exists(Worktree))
            {
                Directory.Delete(Worktree, recursive: true);
            }

            await ManagedProcess.RunProgramAsync("git", ["-C", root, "worktree", "prune"]);
            (await ManagedProcess.RunProgramAsync("git", ["-C", root, "worktree", "add", "--detach", Worktree, Commit])).Succeeded();
            (await ManagedProcess.RunProgramAsync("dotnet", ["build", Path.Combine(Worktree, "src", "Node"), "-c", "Release", "-nologo", "-v", "q"],
                timeout: TimeSpan.FromMinutes(10))).Succeeded();
            return File.Exists(dll) ? dll : throw new FileNotFoundException($"the {Tag} build left no {dll}", dll);
        }
        finally
        {
            Building.Release();
        }
    }
}
