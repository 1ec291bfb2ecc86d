using System.CommandLine;
using System.Globalization;
using Gatehouse.ClusterManager.Signing;
using Gatehouse.ClusterManager.Views;
using Gatehouse.Configuration.Dkim;

namespace Gatehouse.ClusterManager.Cli;

/// <summary><c>signingkeys</c>: DKIM signing keys kept by the manager (staged until commit).</summary>
internal static class SigningKeyCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var keys = new Command("signingkeys", "DKIM signing keys: make, import, list, the DNS record to publish, delete");

        var list = new Command("list", "Show the signing keys (never their private half)");
        list.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var held = await client.GetAsync<List<SigningKeyView>>("api/v1/signing-keys", cancel);
            Table.Print(["NAME", "ALGORITHM", "BITS", "PUBLIC KEY SHA-256", "COMMENT"], held.Select(k => new[]
            {
                k.Name, k.Algorithm, k.Bits.ToString(CultureInfo.InvariantCulture), k.PublicKeySha256, k.Comment,
            }));
            return 0;
        });

        var newName = Name();
        var algorithm = new Option<string>("--algorithm") { Description = "rsa-2048, rsa-3072 or ed25519", DefaultValueFactory = _ => "rsa-2048" };
        var newComment = Comment();
        var make = new Command("new", "Make a new key on the manager") { newName, algorithm, newComment };
        make.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var made = await client.SendAsync<SigningKeyView>(HttpMethod.Post, "api/v1/signing-keys",
                new SigningKeyRequest(result.GetValue(newName)!, result.GetValue(algorithm), null, result.GetValue(newComment)), cancel);
            Console.WriteLine($"Made signing key {made.Name} ({Describe(made)}) (staged). Publish it with: signingkeys dns {made.Name} --domain DOMAIN --selector SELECTOR");
            return 0;
        });

        var importName = Name();
        var file = new Argument<string>("FILE") { Description = "The private key, PEM (PKCS#8 or PKCS#1), unencrypted" };
        var importComment = Comment();
        var import = new Command("import", "Import an existing key") { importName, file, importComment };
        import.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var imported = await client.SendAsync<SigningKeyView>(HttpMethod.Post, "api/v1/signing-keys",
                new SigningKeyRequest(result.GetValue(importName)!, null, CertificateCommands.Base64File(result.GetValue(file)!), result.GetValue(importComment)), cancel);
            Console.WriteLine($"Imported signing key {imported.Name} ({Describe(imported)}) (staged).");
            return 0;
        });

        var dnsName = Name();
        var domain = new Option<string>("--domain") { Description = "The signing domain (d=)", Required = true };
        var selector = new Option<string>("--selector") { Description = "The selector (s=)", Required = true };
        var dns = new Command("dns", "Print the TXT record that publishes the key") { dnsName, domain, selector };
        dns.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var query = $"?domain={Uri.EscapeDataString(result.GetValue(domain)!)}&selector={Uri.EscapeDataString(result.GetValue(selector)!)}";
            var record = await client.GetAsync<DkimRecord>($"api/v1/signing-keys/{Uri.EscapeDataString(result.GetValue(dnsName)!)}/dns{query}", cancel);
            Console.WriteLine(record.ZoneLine);
            return 0;
        });

        var deleteName = Name();
        var delete = new Command("delete", "Remove a signing key") { deleteName };
        delete.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            await client.SendAsync<object>(HttpMethod.Delete, $"api/v1/signing-keys/{Uri.EscapeDataString(result.GetValue(deleteName)!)}", null, cancel);
            Console.WriteLine($"Deleted signing key {result.GetValue(deleteName)} (staged).");
            return 0;
        });

        foreach (var sub in new[] { list, make, import, dns, delete })
        {
            keys.Subcommands.Add(sub);
        }

        return keys;
    }

    /// <summary><c>dkim rotate PROFILE --selector NEW --key KEY</c>.</summary>
    public static Command Dkim(ConnectionOptions connection)
    {
        var profile = new Argument<string>("PROFILE") { Description = "The DKIM profile" };
        var selector = new Option<string>("--selector") { Description = "The new selector", Required = true };
        var key = new Option<string>("--key") { Description = "The signing key to sign with from now on", Required = true };
        var rotate = new Command("rotate", "Stage a profile's move to a new selector and key; commit checks the new record is published") { profile, selector, key };
        rotate.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var (name, newSelector) = (result.GetValue(profile)!, result.GetValue(selector)!);
            await client.SendAsync<object>(HttpMethod.Post, $"api/v1/dkim-profiles/{Uri.EscapeDataString(name)}/rotate",
                new DkimRotationRequest(newSelector, result.GetValue(key)!), cancel);
            Console.WriteLine($"Staged the rotation of DKIM profile {name} to selector {newSelector}. Publish the record (signingkeys dns), then commit (--require-published refuses until it is found).");
            return 0;
        });

        var dkim = new Command("dkim", "DKIM profiles: rotation");
        dkim.Subcommands.Add(rotate);
        return dkim;
    }

    private static Argument<string> Name() => new("NAME") { Description = "The key's name" };

    private static Option<string?> Comment() => new("--comment") { Description = "A note kept with the key" };

    private static string Describe(SigningKeyView key) => key.Algorithm == DkimKey.Rsa ? $"RSA {key.Bits} bits" : "Ed25519";
}
