using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gatehouse.ClusterManager.Api;
using Gatehouse.ClusterManager.Certificates;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary><c>certconfig</c>: the certificate chapters of the appliance, scriptable with flags; every change is staged until commit.</summary>
internal static class CertificateCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var command = new Command("certconfig", "Certificates and trusted CAs (changes are staged until commit)");
        foreach (var sub in new[] { New(connection), Csr(connection), Upload(connection), Import(connection), Paste(connection), Export(connection), Renew(connection), List(connection), Delete(connection), Ca(connection), RevocationListCommands.Build(connection) })
        {
            command.Subcommands.Add(sub);
        }

        return command;
    }

    internal static Option<string> Machine() => new("--machine") { Description = "Act on this node's machine level instead of the cluster level" };

    private static Argument<string> Name() => new("NAME") { Description = "Certificate name" };

    private static Command New(ConnectionOptions connection)
    {
        var name = Name();
        var machine = Machine();
        var cn = new Option<string>("--cn") { Description = "Common Name", Required = true };
        var org = new Option<string>("--org") { Description = "Organization" };
        var unit = new Option<string>("--unit") { Description = "Organizational Unit" };
        var city = new Option<string>("--city") { Description = "City (Locality)" };
        var state = new Option<string>("--state") { Description = "State or Province" };
        var country = new Option<string>("--country") { Description = "Country, ISO 3166 two letters" };
        var san = new Option<string[]>("--san") { Description = "DNS name (repeat for several)", AllowMultipleArgumentsPerToken = true };
        var days = new Option<int>("--days") { Description = "Validity in days", DefaultValueFactory = _ => 365 };
        var key = new Option<string>("--key") { Description = $"Key type: {string.Join(", ", KeySpec.All.Select(k => k.Name))}", DefaultValueFactory = _ => "rsa2048" };
        var checkFqdn = new Option<bool>("--check-fqdn") { Description = "Require fully qualified names in CN and SANs" };
        var command = new Command("new", "Create a self-signed certificate") { name, machine, cn, org, unit, city, state, country, san, days, key, checkFqdn };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            await client.SendAsync<object>(HttpMethod.Post, "api/v1/certificates/selfsigned", new SelfSignedRequest(
                result.GetValue(name)!, result.GetValue(machine), result.GetValue(cn)!, result.GetValue(org), result.GetValue(unit),
                result.GetValue(city), result.GetValue(state), result.GetValue(country), result.GetValue(san) ?? [],
                result.GetValue(days), result.GetValue(key)!, result.GetValue(checkFqdn)), cancel);
            Console.WriteLine($"Created self-signed certificate {result.GetValue(name)} (staged). Download its CSR with: certconfig csr {result.GetValue(name)}");
            return 0;
        });
        return command;
    }

    private static Command Csr(ConnectionOptions connection)
    {
        var name = Name();
        var machine = Machine();
        var output = new Option<string>("--out") { Description = "Write the CSR here instead of printing it" };
        var command = new Command("csr", "Download a certificate signing request (PEM) for a held key") { name, machine, output };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var query = Query(result.GetValue(machine));
            var csr = await client.GetAsync<CsrResponse>($"api/v1/certificates/{Uri.EscapeDataString(result.GetValue(name)!)}/csr{query}", cancel);
            Write(result.GetValue(output), csr.Csr);
            return 0;
        });
        return command;
    }

    private static Command Renew(ConnectionOptions connection)
    {
        var name = Name();
        var machine = Machine();
        var newKey = new Option<bool>("--new-key") { Description = "Make a new key (held until the signed certificate is uploaded)" };
        var output = new Option<string>("--out") { Description = "Write the CSR here instead of printing it" };
        var command = new Command("renew", "Issue a new CSR for an expiring certificate") { name, machine, newKey, output };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var csr = await client.SendAsync<CsrResponse>(HttpMethod.Post, $"api/v1/certificates/{Uri.EscapeDataString(result.GetValue(name)!)}/renew",
                new RenewRequest(result.GetValue(machine), result.GetValue(newKey)), cancel);
            Write(result.GetValue(output), csr.Csr);
            return 0;
        });
        return command;
    }

    private static Command Upload(ConnectionOptions connection)
    {
        var name = Name();
        var machine = Machine();
        var cert = new Option<string>("--cert") { Description = "The CA-signed certificate (PEM or DER)", Required = true };
        var intermediates = new Option<string>("--intermediates") { Description = "Intermediate certificates (PEM), the leaf's issuer first" };
        var command = new Command("upload", "Upload the CA-signed certificate for an existing name") { name, machine, cert, intermediates };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var extra = result.GetValue(intermediates) is { } file ? Base64File(file) : null;
            var notes = await client.SendAsync<NotesResponse>(HttpMethod.Post, $"api/v1/certificates/{Uri.EscapeDataString(result.GetValue(name)!)}/signed",
                new SignedCertificateRequest(result.GetValue(machine), Base64File(result.GetValue(cert)!), extra), cancel);
            Report(notes, $"Uploaded the signed certificate for {result.GetValue(name)} (staged).");
            return 0;
        });
        return command;
    }

    private static Command Import(ConnectionOptions connection)
    {
        var name = Name();
        var machine = Machine();
        var file = new Option<string>("--pkcs12") { Description = "PKCS#12 (.p12, .pfx) file", Required = true };
        var password = new Option<string>("--password-file") { Description = "File holding the PKCS#12 password (else asked)" };
        var replace = new Option<bool>("--replace") { Description = "Replace a certificate of the same name" };
        var command = new Command("import", "Import a certificate and key from a PKCS#12 file") { name, machine, file, password, replace };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var data = Base64File(result.GetValue(file)!);
            var secret = Secrets.Read(result.GetValue(password), "PKCS#12 password");
            var notes = await client.SendAsync<NotesResponse>(HttpMethod.Post, "api/v1/certificates/pkcs12",
                new Pkcs12ImportRequest(result.GetValue(name)!, result.GetValue(machine), data, secret, result.GetValue(replace)), cancel);
            Report(notes, $"Imported {result.GetValue(name)} (staged).");
            return 0;
        });
        return command;
    }

    private static Command Paste(ConnectionOptions connection)
    {
        var name = Name();
        var machine = Machine();
        var cert = new Option<string>("--cert") { Description = "Certificate PEM, optionally followed by its intermediates", Required = true };
        var key = new Option<string>("--key") { Description = "Private key PEM (plain, PKCS#8 encrypted or legacy encrypted)", Required = true };
        var passphrase = new Option<string>("--passphrase-file") { Description = "File holding the key's passphrase, if it is encrypted" };
        var replace = new Option<bool>("--replace") { Description = "Replace a certificate of the same name" };
        var command = new Command("paste", "Import a PEM certificate and its private key") { name, machine, cert, key, passphrase, replace };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var keyPem = System.Text.Encoding.ASCII.GetString(ReadFile(result.GetValue(key)!));
            var secret = result.GetValue(passphrase) is { } file ? Secrets.Read(file, "passphrase") : null;
            var notes = await client.SendAsync<NotesResponse>(HttpMethod.Post, "api/v1/certificates/pem",
                new PemImportRequest(result.GetValue(name)!, result.GetValue(machine), Base64File(result.GetValue(cert)!), keyPem, secret, result.GetValue(replace)), cancel);
            Report(notes, $"Imported {result.GetValue(name)} (staged).");
            return 0;
        });
        return command;
    }

    private static Command Export(ConnectionOptions connection)
    {
        var name = Name();
        var machine = Machine();
        var output = new Option<string>("--out") { Description = "PKCS#12 file to write", Required = true };
        var password = new Option<string>("--password-file") { Description = "File holding the export password (else asked twice)" };
        var command = new Command("export", "Export a certificate, its key and intermediates as PKCS#12 (AES-256)") { name, machine, output, password };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var secret = Secrets.Read(result.GetValue(password), "export password", twice: true);
            var response = await client.SendAsync<Pkcs12Response>(HttpMethod.Post, $"api/v1/certificates/{Uri.EscapeDataString(result.GetValue(name)!)}/export",
                new ExportPkcs12Request(result.GetValue(machine), secret), cancel);
            var path = result.GetValue(output)!;
            await Configuration.Files.AtomicFile.WriteAsync(path, Convert.FromBase64String(response.Data), privateFile: true, cancel: cancel);
            Console.WriteLine($"Exported {result.GetValue(name)} to {path}.");
            return 0;
        });
        return command;
    }

    private static Command List(ConnectionOptions connection)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var command = new Command("list", "List certificates with issuer and days left") { json };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var rows = await client.GetAsync<List<CertificateRow>>("api/v1/certificates", cancel);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, AdminApi.Json));
                return 0;
            }

            Table.Print(["NAME", "LEVEL", "SUBJECT", "ISSUER", "EXPIRES", "DAYS LEFT", "KEY", "USED BY"], rows.Select(r => new[]
            {
                r.Name + (r.Demo ? " (demo: not verifiable)" : "") + (r.RenewalPending ? " (renewal pending)" : ""),
                r.Level, r.Subject, r.SelfSigned ? "self-signed" : r.Issuer,
                r.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                r.DaysLeft < 0 ? "EXPIRED" : r.DaysLeft.ToString(CultureInfo.InvariantCulture),
                r.KeyType, r.UsedBy.Count == 0 ? "-" : string.Join("; ", r.UsedBy),
            }));
            return 0;
        });
        return command;
    }

    private static Command Delete(ConnectionOptions connection)
    {
        var name = Name();
        var machine = Machine();
        var command = new Command("delete", "Delete a certificate (refused while it is in use)") { name, machine };
        command.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            await client.SendAsync<object>(HttpMethod.Delete, $"api/v1/certificates/{Uri.EscapeDataString(result.GetValue(name)!)}{Query(result.GetValue(machine))}", null, cancel);
            Console.WriteLine($"Deleted {result.GetValue(name)} (staged).");
            return 0;
        });
        return command;
    }

    private static Command Ca(ConnectionOptions connection)
    {
        var ca = new Command("ca", "Trusted CA lists");

        var machine = Machine();
        var list = new Command("list", "Show the trusted CA settings") { machine };
        list.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var view = await client.GetAsync<TrustedCasView>($"api/v1/trusted-cas{Query(result.GetValue(machine))}", cancel);
            Console.WriteLine($"System CA bundle: {(view.SystemBundleEnabled ? "enabled" : "disabled")}");
            Console.WriteLine($"Custom CAs: {view.Custom.Count}");
            foreach (var subject in view.Custom)
            {
                Console.WriteLine($"  {subject}");
            }

            return 0;
        });

        var state = new Argument<string>("on|off");
        state.AcceptOnlyFromAmong("on", "off");
        var systemMachine = Machine();
        var system = new Command("system", "Enable or disable the system CA bundle") { state, systemMachine };
        system.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            await client.SendAsync<object>(HttpMethod.Put, "api/v1/trusted-cas/system", new SystemCasRequest(result.GetValue(systemMachine), result.GetValue(state) == "on"), cancel);
            Console.WriteLine($"System CA bundle {(result.GetValue(state) == "on" ? "enabled" : "disabled")} (staged).");
            return 0;
        });

        var bundle = new Argument<string>("FILE") { Description = "PEM bundle of CA certificates" };
        var importMachine = Machine();
        var import = new Command("import", "Replace the custom CA list with a PEM bundle") { bundle, importMachine };
        import.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var response = await client.SendAsync<JsonElement>(HttpMethod.Put, "api/v1/trusted-cas/custom",
                new CustomCasRequest(result.GetValue(importMachine), Base64File(result.GetValue(bundle)!)), cancel);
            Console.WriteLine($"Imported {response.GetProperty("imported").GetInt32()} custom CA certificate(s) (staged).");
            return 0;
        });

        var output = new Option<string>("--out") { Description = "File to write", Required = true };
        var exportMachine = Machine();
        var export = new Command("export", "Write the custom CA list as a PEM bundle") { output, exportMachine };
        export.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var view = await client.GetAsync<TrustedCasView>($"api/v1/trusted-cas{Query(result.GetValue(exportMachine))}", cancel);
            await File.WriteAllTextAsync(result.GetValue(output)!, view.Pem, cancel);
            Console.WriteLine($"Wrote {view.Custom.Count} custom CA certificate(s) to {result.GetValue(output)}.");
            return 0;
        });

        ca.Subcommands.Add(list);
        ca.Subcommands.Add(system);
        ca.Subcommands.Add(import);
        ca.Subcommands.Add(export);
        return ca;
    }

    internal static string Query(string? machine) => machine is null ? "" : $"?machine={Uri.EscapeDataString(machine)}";

    private static void Report(NotesResponse notes, string done)
    {
        Console.WriteLine(done);
        foreach (var note in notes.Notes)
        {
            Console.WriteLine($"  note: {note}");
        }
    }

    private static void Write(string? path, string text)
    {
        if (path is null)
        {
            Console.Write(text.EndsWith('\n') ? text : text + "\n");
        }
        else
        {
            File.WriteAllText(path, text);
            Console.WriteLine($"Wrote {path}.");
        }
    }

    internal static string Base64File(string path) => Convert.ToBase64String(ReadFile(path));

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read {path}: {e.Message}");
        }
    }
}
