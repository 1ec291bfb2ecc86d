namespace Gatehouse.Architecture.Tests;

/// <summary>The projects under src/: assembly name and the namespace their folders sit under.</summary>
internal static class Projects
{
    public static readonly IReadOnlyDictionary<string, (string Assembly, string Namespace)> All =
        new Dictionary<string, (string Assembly, string Namespace)>
        {
            ["Protos"] = ("Gatehouse.Protos", "Gatehouse.Cluster"),
            ["Configuration"] = ("Gatehouse.Configuration", "Gatehouse.Configuration"),
            ["Jobs"] = ("Gatehouse.Jobs", "Gatehouse.Jobs"),
            ["ClusterManager"] = ("gatehouse-manager", "Gatehouse.ClusterManager"),
            ["Node"] = ("gatehouse-node", "Gatehouse.Node"),
        };

    public static TheoryData<string> Names => new(All.Keys);

    /// <summary>The top-level folder a namespace is in; <see cref="FolderGraph.Root"/> for the root namespace itself.</summary>
    public static string? FolderOf(string? ns, string rootNamespace)
    {
        ns ??= "";
        if (ns == rootNamespace)
        {
            return FolderGraph.Root;
        }

        if (!ns.StartsWith(rootNamespace + ".", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = ns[(rootNamespace.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }
}
