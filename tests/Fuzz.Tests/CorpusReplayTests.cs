using System.Runtime.CompilerServices;
using Gatehouse.Fuzz.Targets;

namespace Gatehouse.Fuzz.Tests;

/// <summary>
/// Every fuzz target runs its seed corpus and every crash a campaign found (tests/Fuzz/regressions/TARGET,
/// kept once fixed) without an exception the parser does not promise: the targets stay runnable
/// and a fixed crash stays fixed.
/// </summary>
public sealed class CorpusReplayTests
{
    public static TheoryData<string> Targets() => [.. FuzzTarget.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Seeds_and_former_crashes_run_clean(string name)
    {
        var target = FuzzTarget.All.Single(t => t.Name == name);
        var inputs = new[] { "corpus", "regressions" }
            .Select(kind => Path.Combine(FuzzFolder(), kind, name))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetFiles)
            .ToList();
        Assert.True(inputs.Count >= 1, $"no seeds for {name}");
        foreach (var input in inputs)
        {
            var error = Record.Exception(() => target.Run(File.ReadAllBytes(input)));
            Assert.True(error is null, $"{Path.GetFileName(input)}: {error}");
        }
    }

    private static string FuzzFolder([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "..", "Fuzz");
}
