using System.CommandLine;
using System.Globalization;
using Gatehouse.ClusterManager.Certificates;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary><c>certconfig crl</c>: the revocation lists client certificates are checked against (staged until commit).</summary>
internal static class RevocationListCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var crl = new Command("crl", "Certificate revocation lists for client certificates");

        var listMachine = CertificateCommands.Machine();
        var list = new Command("list", "Show the imported revocation lists") { listMachine };
        list.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var lists = await client.GetAsync<List<RevocationListView>>($"api/v1/trusted-cas/crls{CertificateCommands.Query(result.GetValue(listMachine))}", cancel);
            Table.Print(["ISSUER", "THIS UPDATE", "NEXT UPDATE", "REVOKED"], lists.Select(l => new[]
            {
                l.Issuer, Time(l.ThisUpdate), l.NextUpdate is { } next ? Time(next) + (l.Overdue ? " (overdue)" : "") : "-", l.Revoked.ToString(CultureInfo.InvariantCulture),
            }));
            return 0;
        });

        var file = new Argument<string>("FILE") { Description = "The list, PEM or DER (as a CA publishes it)" };
        var importMachine = CertificateCommands.Machine();
        var import = new Command("import", "Add a revocation list, replacing the older one of the same CA") { file, importMachine };
        import.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var imported = await client.SendAsync<RevocationListView>(HttpMethod.Post, "api/v1/trusted-cas/crls",
                new RevocationListRequest(result.GetValue(importMachine), CertificateCommands.Base64File(result.GetValue(file)!)), cancel);
            Console.WriteLine($"Imported the revocation list of {imported.Issuer}: {imported.Revoked} revoked, issued {Time(imported.ThisUpdate)} (staged).");
            return 0;
        });

        var issuer = new Argument<string>("ISSUER") { Description = "The issuer as list shows it" };
        var deleteMachine = CertificateCommands.Machine();
        var delete = new Command("delete", "Remove the revocation list of a CA") { issuer, deleteMachine };
        delete.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var query = $"?issuer={Uri.EscapeDataString(result.GetValue(issuer)!)}" + (result.GetValue(deleteMachine) is { } machine ? $"&machine={Uri.EscapeDataString(machine)}" : "");
            await client.SendAsync<object>(HttpMethod.Delete, $"api/v1/trusted-cas/crls{query}", null, cancel);
            Console.WriteLine($"Removed the revocation list of {result.GetValue(issuer)} (staged).");
            return 0;
        });

        crl.Subcommands.Add(list);
        crl.Subcommands.Add(import);
        crl.Subcommands.Add(delete);
        return crl;
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
