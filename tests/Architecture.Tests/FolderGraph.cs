using ArchUnitNET.Domain;

namespace Gatehouse.Architecture.Tests;

/// <summary>
/// Which top-level folder of a project uses which, read from the compiled assembly (every type
/// reference: signatures, fields, attributes and method bodies), and the cycles among them.
/// A folder is the first namespace segment under the project's root namespace; types directly
/// in the root namespace form the folder "(root)".
/// </summary>
internal sealed class FolderGraph
{
    public const string Root = "(root)";

    private readonly SortedDictionary<string, SortedDictionary<string, SortedSet<string>>> _edges =
        new(StringComparer.Ordinal);

    public FolderGraph(ArchUnitNET.Domain.Architecture architecture, string rootNamespace)
    {
        foreach (var type in architecture.Types)
        {
            var from = FolderOf(type, rootNamespace);
            if (from is null)
            {
                continue;
            }
            Folder(from);
            foreach (var dependency in type.Dependencies)
            {
                var to = FolderOf(dependency.Target, rootNamespace);
                if (to is null || to == from)
                {
                    continue;
                }
                Folder(to);
                if (!_edges[from].TryGetValue(to, out var why))
                {
                    why = new SortedSet<string>(StringComparer.Ordinal);
                    _edges[from][to] = why;
                }
                why.Add($"{ShortName(type)} -> {ShortName(dependency.Target)}");
            }
        }
    }

    public IReadOnlyCollection<string> Folders => _edges.Keys;

    public IEnumerable<string> Uses(string folder) => _edges[folder].Keys;

    /// <summary>A few of the type pairs behind one edge, to name in a failure.</summary>
    public IEnumerable<string> Reasons(string from, string to) => _edges[from][to].Take(4);

    /// <summary>Strongly connected components with more than one folder (Tarjan).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<IReadOnlyList<string>>();
        var next = 0;

        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in Uses(v))
            {
                if (!index.TryGetValue(w, out var seen))
                {
                    Visit(w);
                    low[v] = Math.Min(low[v], low[w]);
                }
                else if (onStack.Contains(w))
                {
                    low[v] = Math.Min(low[v], seen);
                }
            }
            if (low[v] != index[v])
            {
                return;
            }
            var component = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                onStack.Remove(member);
                component.Add(member);
            }
            while (member != v);
            if (component.Count > 1)
            {
                component.Sort(StringComparer.Ordinal);
                result.Add(component);
            }
        }

        foreach (var folder in Folders)
        {
            if (!index.ContainsKey(folder))
            {
                Visit(folder);
            }
        }
        return result;
    }

    private void Folder(string name)
    {
        if (!_edges.ContainsKey(name))
        {
            _edges[name] = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        }
    }

    private static string? FolderOf(IType type, string rootNamespace) => Projects.FolderOf(type.Namespace?.FullName, rootNamespace);

    // Compiler-made closures and state machines are named for the type that holds them.
    private static string ShortName(IType type)
    {
        var name = type.FullName;
        var plus = name.IndexOf('+', StringComparison.Ordinal);
        if (plus >= 0)
        {
            name = name[..plus];
        }
        return name[(name.LastIndexOf('.') + 1)..];
    }
}
