using System.Globalization;
using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// OpenLDAP's slapd of the tests' own (Debian package), on two loopback ports: <c>ldap://</c>
/// (clear, StartTLS) and <c>ldaps://</c>, with a small directory under <see cref="Suffix"/>.
/// Entries under <c>ou=private</c> are visible only to a bound user (<see cref="BindDn"/>).
/// </summary>
public sealed class Slapd : IAsyncDisposable
{
    public const string Suffix = "dc=example,dc=test";
    public const string BindDn = "cn=admin,dc=example,dc=test";
    public const string BindPassword = "directory-secret";

    private readonly string directory;
    private ManagedProcess? process;

    private Slapd(string directory, int plainPort, int tlsPort)
    {
        this.directory = directory;
        PlainPort = plainPort;
        TlsPort = tlsPort;
    }

    public int PlainPort { get; }

    public int TlsPort { get; }

    /// <summary>
    /// Starts slapd with the given server chain and key, trusting <paramref name="clientCas"/>
    /// for client certificates, which it demands when <paramref name="demandClientCertificate"/>.
    /// <paramref name="people"/> are mail addresses of entries; <paramref name="privatePeople"/>
    /// those under <c>ou=private</c>.
    /// </summary>
    public static async Task<Slapd> StartAsync(
        string directory, string certificateChain, string key, string clientCas, bool demandClientCertificate,
        IReadOnlyList<string> people, IReadOnlyList<string> privatePeople)
    {
        Directory.CreateDirectory(Path.Combine(directory, "db"));
        var slapd = new Slapd(directory, FreePort.On(IPAddress.Loopback), FreePort.On(IPAddress.Loopback));
        await File.WriteAllTextAsync(slapd.ConfigFile, $"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            pidfile {directory}/slapd.pid
            modulepath /usr/lib/ldap
            moduleload back_mdb
            TLSCACertificateFile {clientCas}
            TLSCertificateFile {certificateChain}
            TLSCertificateKeyFile {key}
            TLSVerifyClient {(demandClientCertificate ? "demand" : "never")}
            database mdb
            maxsize 10485760
            suffix "{Suffix}"
            rootdn "{BindDn}"
            rootpw {BindPassword}
            directory {directory}/db
            access to dn.subtree="ou=private,{Suffix}" by users read by * none
            access to * by * read
            """);
        var entries = new List<string>
        {
            $"dn: {Suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example",
            $"dn: ou=people,{Suffix}\nobjectClass: organizationalUnit\nou: people",
            $"dn: ou=private,{Suffix}\nobjectClass: organizationalUnit\nou: private",
        };
        entries.AddRange(people.Select(mail => Person(mail, "people")));
        entries.AddRange(privatePeople.Select(mail => Person(mail, "private")));
        var ldif = Path.Combine(directory, "data.ldif");
        await File.WriteAllTextAsync(ldif, string.Join("\n\n", entries) + "\n");
        (await ManagedProcess.RunProgramAsync("slapadd", ["-f", slapd.ConfigFile, "-l", ldif])).Succeeded();
        await slapd.StartAsync();
        return slapd;
    }

    public async Task StartAsync()
    {
        process?.Dispose();
        var plain = new IPEndPoint(IPAddress.Loopback, PlainPort);
        var started = ManagedProcess.StartExecutable("slapd",
            // "stats" logs each connection ("ACCEPT from IP=…"), counted by Connections().
            ["-d", "stats", "-f", ConfigFile, "-h", $"ldap://127.0.0.1:{PlainPort}/ ldaps://127.0.0.1:{TlsPort}/"],
            Path.Combine(directory, "slapd.log"));
        process = started;
        await Wait.UntilAsync(() => started.HasExited || FreePort.Accepts(plain), "slapd accepts connections");
        if (started.HasExited)
        {
            throw new InvalidOperationException($"slapd failed: {started.Output}");
        }
    }

    public Task StopAsync() => process!.StopAsync();

    /// <summary>The connections slapd has accepted since it started, as its log counts them.</summary>
    public int Connections()
    {
        using var log = new FileStream(Path.Combine(directory, "slapd.log"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(log);
        return reader.ReadToEnd().Split('\n').Count(l => l.Contains(" ACCEPT from IP=", StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (process is not null)
        {
            await process.StopAsync();
            process.Dispose();
        }
    }

    private string ConfigFile => Path.Combine(directory, "slapd.conf");

    private static string Person(string mail, string unit)
    {
        var uid = mail[..mail.IndexOf('@', StringComparison.Ordinal)];
        return string.Create(CultureInfo.InvariantCulture,
            $"dn: uid={uid},ou={unit},{Suffix}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\nmail: {mail}\nlabeledURI: {mail}");
    }
}
