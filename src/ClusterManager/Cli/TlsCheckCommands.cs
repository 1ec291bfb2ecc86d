using System.CommandLine;
using System.Text.Json;
using Gatehouse.ClusterManager.Api;
using Gatehouse.ClusterManager.Certificates;

namespace Gatehouse.ClusterManager.Cli;

/// <summary><c>tlscheck inbound DOMAIN</c>: do MX host, interface host and certificate agree?</summary>
internal static class TlsCheckCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var domain = new Argument<string>("DOMAIN") { Description = "Recipient domain whose MX records point at the gateway" };
        var dnsServer = new Option<string>("--dns-server") { Description = "DNS server (IP or IP:port); default: the cluster's system.dns_servers" };
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var inbound = new Command("inbound", "Check that senders can verify inbound TLS for DOMAIN") { domain, dnsServer, json };
        inbound.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            var query = result.GetValue(dnsServer) is { } server ? $"?dns_server={Uri.EscapeDataString(server)}" : "";
            var report = await client.GetAsync<InboundTlsReport>($"api/v1/tlscheck/inbound/{Uri.EscapeDataString(result.GetValue(domain)!)}{query}", cancel);
            if (result.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, AdminApi.Json));
                return report.Verifiable ? 0 : 2;
            }

            Print(report);
            return report.Verifiable ? 0 : 2;
        });
        return new Command("tlscheck", "TLS diagnostics") { inbound };
    }

    private static void Print(InboundTlsReport report)
    {
        Console.WriteLine($"Domain {report.Domain}: {(report.ImplicitMx ? "no MX record; implicit MX" : "MX")} {string.Join(", ", report.MxHosts.Select(m => report.ImplicitMx ? m.Host : $"{m.Host} ({m.Preference})"))}");
        if (report.Listeners.Count == 0)
        {
            Console.WriteLine("No public listener on any node.");
        }

        foreach (var l in report.Listeners)
        {
            Console.WriteLine($"{l.Node} listener {l.Listener}: interface host {Show(l.InterfaceHost)}, certificate '{l.Certificate}' names {Show(string.Join(", ", l.CertificateNames))}");
            Console.WriteLine($"  interface host is an MX host: {YesNo(l.InterfaceHostIsMx)}");
            Console.WriteLine($"  certificate names the interface host: {YesNo(l.CertificateNamesInterfaceHost)}");
            Console.WriteLine($"  certificate is CA-signed: {YesNo(l.CaSigned)}");
            Console.WriteLine($"  verifiable inbound TLS: {YesNo(l.Verifiable)}");
        }

        Console.WriteLine(report.Verifiable
            ? $"Result: senders can verify TLS to {report.Domain}."
            : $"Result: senders that verify TLS to {report.Domain} will fail; make the MX host name, the interface host name and the certificate agree, with a CA-signed certificate.");
    }

    private static string YesNo(bool value) => value ? "yes" : "NO";

    private static string Show(string value) => value.Length == 0 ? "(none)" : value;
}
