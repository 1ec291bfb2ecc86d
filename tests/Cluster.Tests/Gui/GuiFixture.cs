using System.Net;

namespace Gatehouse.Cluster.Tests.Gui;

/// <summary>
/// A manager with one node for the browser scenarios in <c>tests/Gui</c>: a GUI administrator,
/// a test CA, and a listener on the node (demo certificate, TLS preferred) for the technote's flow.
/// </summary>
public sealed class GuiFixture : IAsyncLifetime
{
    public const string User = "admin";
    public const string Password = "gui-test-password-1";

    public TestCluster Cluster { get; private set; } = null!;

    public NodeInstance Node => Cluster.Nodes[0];

    public TestCa Ca { get; private set; } = null!;

    public IPEndPoint Listener { get; private set; } = null!;

    public string Work { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(nodes: 1);
        Work = Directory.CreateDirectory(Path.Combine(Cluster.Root, "gui")).FullName;
        Ca = await TestCa.CreateAsync(Path.Combine(Work, "ca"), "GUI");
        var m = Cluster.Manager;
        (await m.CliWithInputAsync($"{Password}\n{Password}\n", "users", "add", User)).Succeeded();
        Listener = new IPEndPoint(Node.Address, FreePort.On(Node.Address));
        (await m.LoadConfigAsync($$$"""
            hostname: mx1.example.test
            ip_interfaces: [{name: Data1, address: {{{Node.Address}}}, hostname: mx1.example.test}]
            """, machine: "node1", merge: true)).Succeeded();
        (await m.LoadConfigAsync($$$"""
            mail_flow_policies: [{name: INBOUND, behavior: accept, tls: preferred}]
            listeners: [{name: IncomingMail, type: public, interface: Data1, port: {{{Listener.Port}}}, certificate: demo, default_policy: INBOUND, recipient_access_table: [{recipient: example.test, action: accept}]}]
            """, merge: true)).Succeeded();
        await Node.WaitAppliedAsync(await m.CommitAsync("GUI test listener"));
        await Wait.UntilAsync(() => FreePort.Accepts(Listener), "the listener accepts");
    }

    /// <summary>Runs one scenario script of <c>tests/Gui</c> in headless Chromium; screenshots go to <c>artifacts/gui/SCENARIO</c>.</summary>
    public async Task<CommandResult> RunScenarioAsync(string script, IReadOnlyDictionary<string, string>? more = null)
    {
        var directory = Path.Combine(Binaries.RepositoryRoot, "tests", "Gui");
        var environment = new Dictionary<string, string>
        {
            ["GUI_URL"] = Cluster.Manager.Url.ToString().TrimEnd('/'),
            ["GUI_USER"] = User,
            ["GUI_PASSWORD"] = Password,
            ["CA_DIR"] = Ca.Directory,
            ["WORK"] = Work,
            ["SCREENSHOTS"] = Path.Combine(Binaries.RepositoryRoot, "artifacts", "gui", Path.GetFileNameWithoutExtension(script)),
        };
        foreach (var (name, value) in more ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return await ManagedProcess.RunProgramAsync("node", [Path.Combine(directory, script)], timeout: TimeSpan.FromMinutes(3), workingDirectory: directory, environment: environment);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition("gui")]
public sealed class GuiCollectionDefinition : ICollectionFixture<GuiFixture>;
