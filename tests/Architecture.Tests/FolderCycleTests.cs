using System.Reflection;
using System.Text;
using ArchUnitNET.Loader;

namespace Gatehouse.Architecture.Tests;

/// <summary>Top-level folders of a project never form a dependency cycle (ARCHITECTURE.md, layout).</summary>
public sealed class FolderCycleTests
{
    [Theory]
    [MemberData(nameof(Projects.Names), MemberType = typeof(Projects))]
    public void Top_level_folders_form_no_cycle(string project)
    {
        var graph = Graph(Projects.All[project].Assembly, Projects.All[project].Namespace);

        var cycles = graph.Cycles();

        Assert.True(cycles.Count == 0, Describe(graph, cycles));
    }

    [Fact]
    public void A_cycle_between_two_folders_is_found_and_named()
    {
        var graph = Graph("Gatehouse.Architecture.Tests", "Gatehouse.Architecture.Tests.Samples");

        var cycle = Assert.Single(graph.Cycles());

        Assert.Equal(["Left", "Right"], cycle);
        Assert.Contains("LeftThing -> RightThing", graph.Reasons("Left", "Right"));
        Assert.DoesNotContain("Leaf", cycle);
    }

    internal static FolderGraph Graph(string assemblyName, string rootNamespace)
    {
        var assembly = Assembly.Load(assemblyName);
        var architecture = new ArchLoader().LoadAssemblies(assembly).Build();
        return new FolderGraph(architecture, rootNamespace);
    }

    private static string Describe(FolderGraph graph, IReadOnlyList<IReadOnlyList<string>> cycles)
    {
        var text = new StringBuilder();
        foreach (var cycle in cycles)
        {
            text.AppendLine($"cycle among {string.Join(", ", cycle)}:");
            foreach (var from in cycle)
            {
                foreach (var to in graph.Uses(from).Where(cycle.Contains))
                {
                    text.AppendLine($"  {from} -> {to}: {string.Join("; ", graph.Reasons(from, to))}");
                }
            }
        }
        return text.ToString();
    }
}
