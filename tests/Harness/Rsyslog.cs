using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// rsyslog (Debian packages rsyslog, rsyslog-gnutls) as a log server of the tests' own: RFC 5425
/// TLS on a loopback port, client certificates required and checked against the given CAs
/// (<c>x509/certvalid</c>), every message written to <see cref="Received"/> as
/// <c>HOST APP MSGID SEVERITY MSG</c>.
/// </summary>
public sealed class Rsyslog : IAsyncDisposable
{
    private readonly ManagedProcess process;

    private Rsyslog(string directory, IPEndPoint endpoint, ManagedProcess process)
    {
        Received = Path.Combine(directory, "received.log");
        Endpoint = endpoint;
        this.process = process;
    }

    public IPEndPoint Endpoint { get; }

    public string Received { get; }

    public static async Task<Rsyslog> StartAsync(string directory, string certificateChain, string key, string clientCas)
    {
        Directory.CreateDirectory(Path.Combine(directory, "work"));
        var endpoint = new IPEndPoint(IPAddress.Loopback, FreePort.On(IPAddress.Loopback));
        var config = Path.Combine(directory, "rsyslog.conf");
        await File.WriteAllTextAsync(config, $$"""
            global(workDirectory="{{directory}}/work"
                   DefaultNetstreamDriver="gtls"
                   DefaultNetstreamDriverCAFile="{{clientCas}}"
                   DefaultNetstreamDriverCertFile="{{certificateChain}}"
                   DefaultNetstreamDriverKeyFile="{{key}}")
            module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="x509/certvalid")
            input(type="imtcp" address="127.0.0.1" port="{{endpoint.Port}}")
            template(name="fields" type="string" string="%hostname% %app-name% %msgid% %syslogseverity-text% %msg%\n")
            action(type="omfile" file="{{directory}}/received.log" template="fields")
            """);
        var started = ManagedProcess.StartExecutable("rsyslogd", ["-n", "-f", config, "-i", Path.Combine(directory, "rsyslogd.pid")],
            Path.Combine(directory, "rsyslogd.log"));
        await Wait.UntilAsync(() => started.HasExited || FreePort.Accepts(endpoint), "rsyslogd accepts connections");
        if (started.HasExited)
        {
            throw new InvalidOperationException($"rsyslogd failed: {await started.FinalOutputAsync()}");
        }

        return new Rsyslog(directory, endpoint, started);
    }

    public async Task<string> ReceivedTextAsync() => File.Exists(Received) ? await File.ReadAllTextAsync(Received) : "";

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }
}
