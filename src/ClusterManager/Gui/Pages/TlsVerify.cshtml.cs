using Gatehouse.Cluster.V1;
using Gatehouse.ClusterManager.Distribution;
using Gatehouse.Configuration.Matching;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

/// <summary>Mail Policies > TLS Verify: the appliance's tlsverify, asked of one connected node.</summary>
internal sealed class TlsVerifyModel : GuiPage
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(50);

    [BindProperty(SupportsGet = true)]
    public string Domain { get; set; } = "";

    [BindProperty]
    public string Node { get; set; } = "";

    public IReadOnlyList<string> ConnectedNodes { get; private set; } = [];

    public TlsVerifyReport? Report { get; private set; }

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnPostAsync()
    {
        await LoadAsync();
        var domain = Domain.Trim().TrimEnd('.');
        if (!HostNameSyntax.IsValid(domain))
        {
            Problem = $"'{Domain}' is not a domain.";
            return Page();
        }

        try
        {
            var answer = await HttpContext.RequestServices.GetRequiredService<NodeQueries>()
                .AskAsync(Node, new NodeQuery { TlsVerifyDomain = domain }, Wait, HttpContext.RequestAborted);
            if (answer.Error.Length > 0)
            {
                Problem = $"Node {Node}: {answer.Error}";
            }
            else
            {
                Report = answer.TlsVerify;
            }
        }
        catch (NodeUnreachableException e)
        {
            Problem = e.Message;
        }

        return Page();
    }

    protected override async Task LoadAsync() =>
        ConnectedNodes = [.. (await Store.ListNodesAsync()).Where(n => n.Connected).Select(n => n.Name).Order(StringComparer.Ordinal)];
}
