using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// A DNSSEC-signed test zone and a validating resolver for it, both Debian packages: knot
/// serves the zone and signs it with keys of its own (ECDSA P-256), unbound validates it with
/// the zone's key-signing key as its only trust anchor and marks what it validated with the AD
/// bit. Names outside the zone are not validated (there is no root anchor).
/// </summary>
public sealed class SignedZone : IAsyncDisposable
{
    private readonly List<ManagedProcess> processes = [];

    private SignedZone(IPEndPoint resolver) => Resolver = resolver;

    /// <summary>The validating resolver, as a node's <c>system.dns_servers</c> entry names it.</summary>
    public IPEndPoint Resolver { get; }

    /// <summary>Serves <paramref name="zone"/> with the given records (zone-file lines relative to the zone) and validates it.</summary>
    public static async Task<SignedZone> StartAsync(string directory, string zone, IPAddress authoritative, IPAddress resolver, IEnumerable<string> records)
    {
        var signed = new SignedZone(new IPEndPoint(resolver, 53));
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "keys"));
            Directory.CreateDirectory(Path.Combine(directory, "db"));
            await File.WriteAllTextAsync(Path.Combine(directory, $"{zone}.zone"), string.Join("\n", [
                $"$ORIGIN {zone}.", "$TTL 300", $"@ SOA ns.{zone}. admin.{zone}. 1 3600 600 86400 300", "@ NS ns", $"ns A {authoritative}", .. records, ""]));
            await File.WriteAllTextAsync(Path.Combine(directory, "knot.conf"), $"""
                server:
                    listen: {authoritative}@53
                    rundir: {directory}
                log:
                  - target: stdout
                    any: info
                database:
                    storage: {directory}/db
                    kasp-db: {directory}/keys
                zone:
                  - domain: {zone}
                    storage: {directory}
                    file: {zone}.zone
                    dnssec-signing: on
                """);
            signed.processes.Add(ManagedProcess.StartExecutable("knotd", ["-c", Path.Combine(directory, "knot.conf")], Path.Combine(directory, "knot.log")));
            string[] keySigningKeys = [];
            await Wait.UntilAsync(
                async () =>
                {
                    var keys = await ManagedProcess.RunProgramAsync("kdig", [$"@{authoritative}", zone, "DNSKEY", "+short"]);
                    keySigningKeys = [.. keys.Output.Split('\n').Where(l => l.StartsWith("257 ", StringComparison.Ordinal))];
                    return keySigningKeys.Length > 0;
                },
                $"knot serves {zone} signed");
            await File.WriteAllLinesAsync(Path.Combine(directory, "anchor"), keySigningKeys.Select(k => $"{zone}. 300 IN DNSKEY {k}"));
            await File.WriteAllTextAsync(Path.Combine(directory, "unbound.conf"), $"""
                server:
                    interface: {resolver}
                    port: 53
                    access-control: 127.0.0.0/8 allow
                    do-not-query-localhost: no
                    username: ""
                    chroot: ""
                    directory: "{directory}"
                    pidfile: "{directory}/unbound.pid"
                    use-syslog: no
                    logfile: ""
                    val-log-level: 2
                    module-config: "validator iterator"
                    trust-anchor-file: "{directory}/anchor"
                    local-zone: "{zone.Split('.').Last()}." nodefault
                    qname-minimisation: no
                stub-zone:
                    name: "{zone}"
                    stub-addr: {authoritative}
                """);
            signed.processes.Add(ManagedProcess.StartExecutable("unbound", ["-d", "-c", Path.Combine(directory, "unbound.conf")], Path.Combine(directory, "unbound.log")));
            await Wait.UntilAsync(
                async () => (await ManagedProcess.RunProgramAsync("kdig", [$"@{resolver}", zone, "SOA", "+dnssec"])).Output.Contains(" ad;", StringComparison.Ordinal),
                $"unbound validates {zone}");
            return signed;
        }
        catch
        {
            await signed.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(processes))
        {
            await process.StopAsync();
            process.Dispose();
        }
    }
}
