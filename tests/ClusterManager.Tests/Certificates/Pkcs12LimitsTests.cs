using Gatehouse.ClusterManager.Certificates;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.Harness;

namespace Gatehouse.ClusterManager.Tests.Certificates;

/// <summary>PKCS#12 files made by openssl, as admins bring them: limits apply, ordinary files pass.</summary>
[Trait("Category", "Security")]
public sealed class Pkcs12LimitsTests : IDisposable
{
    private readonly string work = Directory.CreateTempSubdirectory("gatehouse-p12-").FullName;

    [Theory]
    [InlineData("modern")]
    [InlineData("-legacy")]
    public async Task Ordinary_files_pass_and_a_wrong_password_is_named(string format)
    {
        var file = await MakeAsync(format, iterations: null);

        Pkcs12Limits.CheckIterations(file);
        Assert.Equal("the PKCS#12 password is wrong", Assert.Throws<ChangeRejectedException>(() => Pkcs12Files.Import(file, "wrong-password")).Message);
        using var imported = Pkcs12Files.Import(file, "right-password").Leaf;
        Assert.Equal("CN=p12.example.test", imported.Subject);
    }

    [Fact]
    public async Task A_legacy_file_asking_for_too_many_iterations_is_refused_before_any_is_run()
    {
        var file = await MakeAsync("-legacy", iterations: 700_000);

        var refused = Assert.Throws<ChangeRejectedException>(() => Pkcs12Limits.CheckIterations(file));

        Assert.Contains("key-derivation iterations; at most 600000 are accepted", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bytes_that_are_not_DER_are_left_to_the_reader_to_call_damaged()
    {
        Pkcs12Limits.CheckIterations("not a PKCS#12 file"u8.ToArray());

        Assert.Throws<ChangeRejectedException>(() => Pkcs12Files.Import("not a PKCS#12 file"u8.ToArray(), "x"));
    }

    public void Dispose() => Directory.Delete(work, recursive: true);

    private async Task<byte[]> MakeAsync(string format, int? iterations)
    {
        await OpenSsl.OkAsync(work, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-out", "c.pem",
            "-subj", "/CN=p12.example.test", "-days", "2");
        List<string> arguments = ["pkcs12", "-export", "-in", "c.pem", "-inkey", "k.pem", "-out", "f.p12", "-passout", "pass:right-password"];
        if (format != "modern")
        {
            arguments.Add(format);
        }

        if (iterations is { } count)
        {
            arguments.AddRange(["-iter", count.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        await OpenSsl.OkAsync(work, [.. arguments]);
        return await File.ReadAllBytesAsync(Path.Combine(work, "f.p12"));
    }
}
