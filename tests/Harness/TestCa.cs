namespace Gatehouse.Harness;

/// <summary>
/// A test certificate authority made with <c>openssl</c>: a root and an intermediate that
/// signs requests, as a commercial CA would.
/// </summary>
public sealed class TestCa
{
    private TestCa(string directory) => Directory = directory;

    public string Directory { get; }

    public string RootCertificate => Path.Combine(Directory, "root.crt");

    public string IntermediateCertificate => Path.Combine(Directory, "intermediate.crt");

    public static async Task<TestCa> CreateAsync(string directory, string name = "Test")
    {
        System.IO.Directory.CreateDirectory(directory);
        var ca = new TestCa(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "ca.ext"), "basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n");
        await OpenSsl.OkAsync(directory, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.crt",
            "-days", "30", "-subj", $"/CN={name} Root CA", "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        await OpenSsl.OkAsync(directory, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "intermediate.key", "-out", "intermediate.csr",
            "-subj", $"/CN={name} Intermediate CA");
        await OpenSsl.OkAsync(directory, "x509", "-req", "-in", "intermediate.csr", "-CA", "root.crt", "-CAkey", "root.key",
            "-CAcreateserial", "-out", "intermediate.crt", "-days", "30", "-extfile", "ca.ext");
        return ca;
    }

    /// <summary>Signs a CSR with the intermediate, keeping the requested extensions (SANs); returns the certificate path.</summary>
    public async Task<string> SignAsync(string csrPath, string outputName, int days = 30)
    {
        var output = Path.Combine(Directory, outputName);
        await OpenSsl.OkAsync(Directory, "x509", "-req", "-in", csrPath, "-CA", "intermediate.crt", "-CAkey", "intermediate.key",
            "-CAcreateserial", "-out", output, "-days", days.ToString(System.Globalization.CultureInfo.InvariantCulture), "-copy_extensions", "copy");
        return output;
    }

    /// <summary>The certificate followed by the intermediate, as servers and clients send them; returns its path.</summary>
    public async Task<string> ChainAsync(string certificate)
    {
        var path = Path.ChangeExtension(certificate, ".chain.pem");
        await File.WriteAllTextAsync(path, await File.ReadAllTextAsync(certificate) + await File.ReadAllTextAsync(IntermediateCertificate));
        return path;
    }

    /// <summary>Root and intermediate in one file, as a trusted CA list; returns its path.</summary>
    public async Task<string> TrustBundleAsync()
    {
        var path = Path.Combine(Directory, "trust-bundle.pem");
        await File.WriteAllTextAsync(path, await File.ReadAllTextAsync(RootCertificate) + await File.ReadAllTextAsync(IntermediateCertificate));
        return path;
    }

    /// <summary>
    /// Revokes certificates the intermediate issued and writes its CRL as <c>openssl ca -gencrl</c>
    /// does (PEM, SHA-256, due in 7 days); returns the CRL's path.
    /// </summary>
    public async Task<string> RevokeAsync(params string[] certificates)
    {
        var database = Path.Combine(Directory, "index.txt");
        if (!File.Exists(database))
        {
            await File.WriteAllTextAsync(database, "");
            await File.WriteAllTextAsync(Path.Combine(Directory, "crlnumber"), "1000\n");
            await File.WriteAllTextAsync(Path.Combine(Directory, "ca.cnf"),
                "[ca]\ndefault_ca = intermediate\n[intermediate]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 7\n");
        }

        string[] signer = ["-config", "ca.cnf", "-keyfile", "intermediate.key", "-cert", "intermediate.crt"];
        foreach (var certificate in certificates)
        {
            await OpenSsl.OkAsync(Directory, ["ca", .. signer, "-revoke", certificate]);
        }

        var crl = Path.Combine(Directory, "intermediate.crl.pem");
        await OpenSsl.OkAsync(Directory, ["ca", .. signer, "-gencrl", "-out", crl]);
        return crl;
    }

    /// <summary>A key and a certificate for it signed by the intermediate; returns (certificate, key) paths.</summary>
    public async Task<(string Certificate, string Key)> IssueAsync(string commonName, string fileStem, IReadOnlyList<string>? extensions = null, int days = 30)
    {
        var key = Path.Combine(Directory, $"{fileStem}.key");
        var csr = Path.Combine(Directory, $"{fileStem}.csr");
        await OpenSsl.OkAsync(Directory, ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
            "-subj", $"/CN={commonName}", "-addext", $"subjectAltName=DNS:{commonName}", .. (extensions ?? []).SelectMany(e => new[] { "-addext", e })]);
        return (await SignAsync(csr, $"{fileStem}.crt", days), key);
    }
}
