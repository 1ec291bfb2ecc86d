using System.Text.RegularExpressions;
using Gatehouse.Harness;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gatehouse.ClusterManager.Tests.Access;

/// <summary>The README's REST table lists exactly the API endpoints the manager maps: it cannot drift from the code.</summary>
public sealed partial class ReadmeApiTableTests : IAsyncLifetime
{
    private RunningManager manager = null!;

    public async Task InitializeAsync() => manager = await RunningManager.StartAsync();

    public async Task DisposeAsync() => await manager.DisposeAsync();

    [Fact]
    public async Task Every_mapped_API_endpoint_is_in_the_README_table_and_the_table_names_no_other()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Binaries.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("## Admin REST API", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 3, StringComparison.Ordinal)];
        var documented = Documented().Matches(section).Select(m => $"{m.Groups["method"].Value} {m.Groups["path"].Value}").ToHashSet(StringComparer.Ordinal);

        var mapped = manager.Endpoints
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(mapped.Except(documented).Order(StringComparer.Ordinal));
        Assert.Empty(documented.Except(mapped).Order(StringComparer.Ordinal));
    }

    // `METHOD /api/v1/path` in a table cell, up to a query string or the closing backtick.
    [GeneratedRegex(@"`(?<method>GET|POST|PUT|DELETE) (?<path>/api/v1/[^`?\s]*)")]
    private static partial Regex Documented();
}
