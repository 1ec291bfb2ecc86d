namespace Gatehouse.Cluster.Tests.Web;

/// <summary>
/// SVC-1, the technote's "HTTPS certificate for the GUI": the manager presents the managed
/// certificate chosen at commit to clients that ask for its name, while nodes keep the cluster
/// CA's certificate and their streams.
/// </summary>
public sealed class ManagerHttpsTests
{
    private const string GuiName = "gui.example.test";

    [Fact]
    public async Task The_GUI_certificate_is_chosen_at_commit_and_nodes_keep_the_cluster_certificate()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 1);
        var m = cluster.Manager;
        var work = Directory.CreateDirectory(Path.Combine(cluster.Root, "gui-https")).FullName;
        var ca = await TestCa.CreateAsync(Path.Combine(work, "ca"), "Corporate");
        var gui = await ca.IssueAsync(GuiName, "gui", ["extendedKeyUsage=serverAuth"]);
        var chain = await ca.ChainAsync(gui.Certificate);
        (await m.LoadConfigAsync("manager: {https_certificate: gui}", machine: "node1", merge: true)).Succeeded();
        var refused = await m.CliAsync("commit", "--comment", "GUI certificate at machine level");
        Assert.Contains("manager: is a cluster-level setting", refused.Output + refused.Error, StringComparison.Ordinal);
        (await m.CliAsync("clearchanges")).Succeeded();
        (await m.CliAsync("certconfig", "paste", "gui", "--cert", chain, "--key", gui.Key)).Succeeded();
        (await m.LoadConfigAsync("manager: {https_certificate: gui}", merge: true)).Succeeded();
        var version = await m.CommitAsync("GUI certificate");
        var expected = await OpenSsl.SerialAsync(work, gui.Certificate);

        await Wait.UntilAsync(async () => await OpenSsl.PresentedSerialAsync(work, m.Endpoint, GuiName) == expected, "the manager presents the GUI certificate");
        var login = await ManagedProcess.RunProgramAsync("curl",
            ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca.RootCertificate, "--resolve", $"{GuiName}:{m.Endpoint.Port}:{m.Endpoint.Address}",
             $"https://{GuiName}:{m.Endpoint.Port}/login"]);
        Assert.Equal("200", login.Succeeded().Output.Trim());

        // Without that name (as nodes and the CLI connect), the cluster CA's certificate, verified by curl against the CA file.
        var clusterCa = await ManagedProcess.RunProgramAsync("curl",
            ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", m.CaFile, $"https://{m.Endpoint}/login"]);
        Assert.Equal("200", clusterCa.Succeeded().Output.Trim());
        var node = cluster.Node("node1");
        await node.WaitAppliedAsync(version);
        (await m.LoadConfigAsync("sender_groups: [{name: AFTER_GUI_CERT, policy: ACCEPTED, members: [10.9.9.9]}]", merge: true)).Succeeded();
        await node.WaitAppliedAsync(await m.CommitAsync("nodes still follow"));
        Assert.True(node.Status().Connected);
    }
}
