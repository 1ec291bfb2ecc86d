using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Harness;

/// <summary>A dnsmasq serving only the records a test gives it, on a loopback port of its own.</summary>
public sealed class Dnsmasq : IAsyncDisposable
{
    private readonly ManagedProcess process;

    private Dnsmasq(ManagedProcess process, IPEndPoint endpoint)
    {
        this.process = process;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>Starts dnsmasq with MX records (domain, host, preference), A and PTR records (host, address) and any other options.</summary>
    /// <summary>
    /// A TXT record of one string as raw record data: <c>--txt-record</c> takes every comma for the
    /// end of a string, and some records (a TLSRPT rua list) have commas in them.
    /// </summary>
    public static string TxtRecord(string name, string text) => TxtRecord(name, [text]);

    /// <summary>A TXT record of several strings (each at most 255 characters), as a long DKIM key's is.</summary>
    public static string TxtRecord(string name, IEnumerable<string> strings) =>
        $"--dns-rr={name},16,{string.Concat(strings.Select(s => $"{s.Length:x2}{Convert.ToHexStringLower(System.Text.Encoding.ASCII.GetBytes(s))}"))}";

    /// <param name="listen">Where to answer; by default a free port on 127.0.0.1 (port 53 for programs that only read resolv.conf).</param>
    public static async Task<Dnsmasq> StartAsync(
        string logPath, IEnumerable<(string Domain, string Host, int Preference)> mx, IEnumerable<(string Host, string Address)>? a = null, IEnumerable<string>? extra = null,
        IPEndPoint? listen = null)
    {
        // A port found free can be taken before dnsmasq binds it (by another test's connection):
        // then another port, a few times; an address the caller chose is tried once.
        for (var attempt = 1; ; attempt++)
        {
            var endpoint = listen ?? new IPEndPoint(IPAddress.Loopback, FreePort());
            var arguments = new List<string>
            {
                "--no-daemon", "--no-resolv", "--no-hosts", "--bind-interfaces", $"--listen-address={endpoint.Address}",
                $"--port={endpoint.Port}", "--log-queries", "--log-facility=-", "--user=root", "--pid-file=",
            };
            arguments.AddRange(mx.Select(m => $"--mx-host={m.Domain},{m.Host},{m.Preference}"));
            arguments.AddRange((a ?? []).Select(r => $"--host-record={r.Host},{r.Address}"));
            arguments.AddRange(extra ?? []);
            var process = ManagedProcess.StartExecutable("dnsmasq", arguments, logPath);
            await Wait.UntilAsync(() => process.HasExited || process.Output.Contains("started, version", StringComparison.Ordinal), "dnsmasq has started");
            if (!process.HasExited)
            {
                return new Dnsmasq(process, endpoint);
            }

            if (listen is not null || attempt == 3 || !process.Output.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"dnsmasq failed: {process.Output}");
            }

            process.Dispose();
        }
    }

    private bool stopped;

    /// <summary>Stops dnsmasq; again is nothing (a test may stop it early to have DNS down).</summary>
    public async ValueTask DisposeAsync()
    {
        if (stopped)
        {
            return;
        }

        stopped = true;
        await process.StopAsync();
        process.Dispose();
    }

    // Free for UDP and for TCP on 127.0.0.1: dnsmasq listens on both.
    private static int FreePort()
    {
        while (true)
        {
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)udp.LocalEndPoint!).Port;
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken for TCP: another.
            }
        }
    }
}
