using Gatehouse.Cluster.V1;
using Gatehouse.Harness;

namespace Gatehouse.Node.Tests.Tls;

/// <summary>CERT-13: the node loads its certificates, serves the whole chain, and swaps them without dropping sessions.</summary>
public sealed class CertificateLoadingTests : IDisposable
{
    private readonly NodeFixture node = new();

    [Fact]
    public async Task A_loaded_certificate_presents_leaf_and_intermediate_to_openssl()
    {
        var ca = await TestCa.CreateAsync(Path.Combine(node.DataDir, "ca"));
        var (certificate, key) = await ca.IssueAsync("mx.example.com", "leaf");
        Assert.Empty(node.Apply(1, Entry("server", certificate, key, ca.IntermediateCertificate)));
        await using var probe = new TlsProbe(node.Current, "server");

        var shown = await OpenSsl.RunAsync(node.DataDir, ["s_client", "-connect", probe.Endpoint.ToString(), "-showcerts", "-CAfile", ca.RootCertificate], input: "");

        Assert.Equal(2, CountCertificates(shown.Output));
        Assert.Contains("s:CN=mx.example.com", shown.Output.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("i:CN=TestIntermediateCA", shown.Output.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", shown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unusable_certificate_is_refused_and_the_previous_one_stays()
    {
        var ca = await TestCa.CreateAsync(Path.Combine(node.DataDir, "ca"));
        var (first, firstKey) = await ca.IssueAsync("one.example.com", "one");
        var (second, _) = await ca.IssueAsync("two.example.com", "two");
        Assert.Empty(node.Apply(1, Entry("server", first, firstKey)));

        var errors = node.Apply(2, Entry("server", second, firstKey));

        Assert.Contains(errors, e => e.Path.StartsWith("certificates[server]", StringComparison.Ordinal));
        Assert.Equal(1, node.Current.Version);
        Assert.Contains("one.example.com", node.Current.Snapshot!.Certificate("server")!.Leaf.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_session_in_progress_keeps_its_certificate_and_the_next_connection_gets_the_new_one()
    {
        var ca = await TestCa.CreateAsync(Path.Combine(node.DataDir, "ca"));
        var (first, firstKey) = await ca.IssueAsync("one.example.com", "one");
        var (second, secondKey) = await ca.IssueAsync("two.example.com", "two");
        Assert.Empty(node.Apply(1, Entry("server", first, firstKey)));
        await using var probe = new TlsProbe(node.Current, "server");
        var (session, servedBefore) = await probe.ConnectAsync();
        Assert.Equal("hello", await TlsProbe.EchoAsync(session, "hello"));

        Assert.Empty(node.Apply(2, Entry("server", second, secondKey)));

        Assert.Equal("still here", await TlsProbe.EchoAsync(session, "still here"));
        var (next, servedAfter) = await probe.ConnectAsync();
        Assert.Contains("one.example.com", servedBefore.Subject, StringComparison.Ordinal);
        Assert.Contains("two.example.com", servedAfter.Subject, StringComparison.Ordinal);
        await session.DisposeAsync();
        await next.DisposeAsync();
    }

    public void Dispose() => node.Dispose();

    [Fact]
    public async Task A_version_that_leaves_a_certificate_as_it_was_reuses_it_as_loaded_and_a_new_key_loads_anew()
    {
        var ca = await TestCa.CreateAsync(Path.Combine(node.DataDir, "ca"));
        var (first, firstKey) = await ca.IssueAsync("one.example.com", "one");
        var (second, secondKey) = await ca.IssueAsync("one.example.com", "two");
        Assert.Empty(node.Apply(1, Entry("server", first, firstKey)));
        var loaded = node.Current.Snapshot!.Certificate("server");
        var anchors = node.Current.Snapshot!.TrustedCas;

        Assert.Empty(node.Apply(2, new LevelConfig { Certificates = { Entry("server", first, firstKey) }, AlertSettings = new AlertSettings { FromAddress = "changed@example.com" } }));
        Assert.Same(loaded, node.Current.Snapshot!.Certificate("server"));
        Assert.Same(anchors, node.Current.Snapshot!.TrustedCas);

        Assert.Empty(node.Apply(3, Entry("server", second, secondKey)));
        Assert.NotSame(loaded, node.Current.Snapshot!.Certificate("server"));
        Assert.Empty(node.Apply(4, new LevelConfig { Certificates = { Entry("server", second, secondKey) }, TrustedCas = new TrustedCaSettings { CustomPem = { File.ReadAllText(ca.RootCertificate) } } }));
        Assert.NotSame(anchors, node.Current.Snapshot!.TrustedCas);
    }

    private static Certificate Entry(string name, string certificatePath, string keyPath, params string[] intermediates) => new()
    {
        Name = name,
        CertificatePem = File.ReadAllText(certificatePath),
        PrivateKeyPem = File.ReadAllText(keyPath),
        IntermediatesPem = { intermediates.Select(File.ReadAllText) },
    };

    private static int CountCertificates(string text) =>
        text.Split("-----BEGIN CERTIFICATE-----").Length - 1;
}
