using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Gatehouse.Architecture.Tests;

/// <summary>Log event ids are explicit, unique per assembly and in their folder's range (<see cref="EventIdRanges"/>).</summary>
public sealed class EventIdTests
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Theory]
    [MemberData(nameof(Projects.Names), MemberType = typeof(Projects))]
    public void Every_log_message_has_an_explicit_event_id_unique_in_its_assembly_and_in_its_folders_range(string project)
    {
        var (assembly, rootNamespace) = Projects.All[project];
        var ranges = EventIdRanges.Of(project);

        var problems = Problems(Assembly.Load(assembly).GetTypes(), rootNamespace, ranges, out var found);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(found > 0 || ranges.Count == 0, $"{project} has ranges but no log message was found");
    }

    [Theory]
    [MemberData(nameof(Projects.Names), MemberType = typeof(Projects))]
    public void The_ranges_of_a_project_do_not_overlap(string project)
    {
        var ranges = EventIdRanges.Of(project).OrderBy(r => r.From).ToList();

        Assert.All(ranges, r => Assert.True(r.From <= r.To, $"{r.Folder}: {r.From}-{r.To}"));
        Assert.All(ranges.Zip(ranges.Skip(1)), pair => Assert.True(pair.First.To < pair.Second.From, $"{pair.First.Folder} and {pair.Second.Folder} overlap"));
    }

    [Fact]
    public void The_check_finds_a_duplicate_and_an_id_out_of_its_folders_range()
    {
        const string samples = "Gatehouse.Architecture.Tests.Samples";
        var types = typeof(EventIdTests).Assembly.GetTypes().Where(t => t.Namespace?.StartsWith(samples + ".", StringComparison.Ordinal) == true);

        var problems = Problems(types, samples, [new(1, 99, "Left", "sample"), new(100, 199, "Right", "sample")], out var found);

        Assert.Equal(3, found);
        Assert.Equal(["event id 7 is used by LeftLog.One, LeftLog.Two", "RightLog.Three (folder Right) has event id 5000, outside its folder's ranges"], problems);
    }

    private static List<string> Problems(IEnumerable<Type> types, string rootNamespace, IReadOnlyList<EventIdRange> ranges, out int found)
    {
        var messages = types
            .SelectMany(t => t.GetMethods(Declared).Select(m => (Type: t, Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>())))
            .Where(m => m.Attribute is not null)
            .Select(m => (Where: $"{m.Type.Name}.{m.Method.Name}", Folder: Projects.FolderOf(m.Type.Namespace, rootNamespace), Id: m.Attribute!.EventId))
            .OrderBy(m => m.Where, StringComparer.Ordinal)
            .ToList();
        found = messages.Count;
        return messages.Where(m => m.Id < 0).Select(m => $"{m.Where} has no event id")
            .Concat(messages.GroupBy(m => m.Id).Where(g => g.Key >= 0 && g.Count() > 1)
                .Select(g => $"event id {g.Key} is used by {string.Join(", ", g.Select(m => m.Where))}"))
            .Concat(messages.Where(m => m.Id >= 0 && !ranges.Any(r => r.Folder == m.Folder && m.Id >= r.From && m.Id <= r.To))
                .Select(m => $"{m.Where} (folder {m.Folder}) has event id {m.Id}, outside its folder's ranges"))
            .ToList();
    }
}
