using System.Net;

namespace Gatehouse.Harness;

/// <summary>
/// A private Postfix instance (its own config, queue and log under a test directory),
/// used as a real MTA peer: it sends through its smtp client and receives on its smtpd.
/// </summary>
public sealed class PostfixInstance : IAsyncDisposable
{
    private readonly ManagedProcess process;

    private PostfixInstance(string directory, IPEndPoint smtpd, ManagedProcess process)
    {
        Directory = directory;
        Smtpd = smtpd;
        this.process = process;
    }

    public string Directory { get; }

    /// <summary>Where this instance's smtpd listens.</summary>
    public IPEndPoint Smtpd { get; }

    public string MailLog => Path.Combine(Directory, "maillog");

    /// <summary>The process Postfix runs under (its master and every daemon are below it).</summary>
    public int ProcessId => process.Id;

    private string ConfigDirectory => Path.Combine(Directory, "etc");

    /// <summary>Starts Postfix in the foreground with the given main.cf settings on top of a minimal base.</summary>
    public static async Task<PostfixInstance> StartAsync(string directory, IPEndPoint smtpd, IReadOnlyDictionary<string, string> settings)
    {
        var etc = System.IO.Directory.CreateDirectory(Path.Combine(directory, "etc")).FullName;
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "spool"));
        var data = System.IO.Directory.CreateDirectory(Path.Combine(directory, "data")).FullName;
        var main = new Dictionary<string, string>
        {
            ["compatibility_level"] = "3.6",
            ["queue_directory"] = Path.Combine(directory, "spool"),
            ["data_directory"] = data,
            ["mail_owner"] = "postfix",
            ["setgid_group"] = "postdrop",
            ["myhostname"] = "postfix.sender.test",
            ["mydomain"] = "sender.test",
            ["mydestination"] = "",
            ["inet_interfaces"] = "all",
            ["inet_protocols"] = "ipv4",
            ["mynetworks"] = "127.0.0.0/8",
            ["maillog_file"] = Path.Combine(directory, "maillog"),
            ["maillog_file_prefixes"] = directory,
            ["smtp_tls_loglevel"] = "1",
            ["alias_maps"] = "",
            ["alias_database"] = "",
            ["queue_run_delay"] = "2s",
            ["minimal_backoff_time"] = "2s",
            ["maximal_backoff_time"] = "4s",
        };
        foreach (var (key, value) in settings)
        {
            main[key] = value;
        }

        await File.WriteAllLinesAsync(Path.Combine(etc, "main.cf"), main.Select(p => $"{p.Key} = {p.Value}"));
        await File.WriteAllTextAsync(Path.Combine(etc, "master.cf"), MasterCf.Replace("SMTPD", smtpd.ToString(), StringComparison.Ordinal));
        (await ManagedProcess.RunProgramAsync("chown", ["postfix", data])).Succeeded();
        var process = ManagedProcess.StartExecutable("postfix", ["-c", etc, "start-fg"], Path.Combine(directory, "postfix-fg.log"));
        var instance = new PostfixInstance(directory, smtpd, process);
        await Wait.UntilAsync(() => process.HasExited || (File.Exists(instance.MailLog) && File.ReadAllText(instance.MailLog).Contains("daemon started", StringComparison.Ordinal)), "Postfix has started");
        await Wait.UntilAsync(() => process.HasExited || FreePort.Accepts(smtpd), $"Postfix smtpd accepts on {smtpd}");
        return process.HasExited ? throw new InvalidOperationException($"Postfix failed to start: {await File.ReadAllTextAsync(instance.MailLog)}") : instance;
    }

    /// <summary>
    /// A receiving MTA: every domain is a virtual mailbox domain delivered into one Maildir,
    /// with the given <c>smtpd_tls_security_level</c> and certificate (chain file and key).
    /// </summary>
    public static async Task<PostfixInstance> StartReceiverAsync(
        string directory, IPEndPoint smtpd, string hostName, string tlsLevel, string? certificateChain = null, string? key = null,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        var mail = System.IO.Directory.CreateDirectory(Path.Combine(directory, "mail")).FullName;
        (await ManagedProcess.RunProgramAsync("chown", ["nobody:nogroup", mail])).Succeeded();
        var settings = new Dictionary<string, string>
        {
            ["myhostname"] = hostName,
            ["virtual_mailbox_domains"] = "static:all",
            ["virtual_mailbox_base"] = mail,
            ["virtual_mailbox_maps"] = "static:inbox/",
            ["virtual_uid_maps"] = "static:65534",
            ["virtual_gid_maps"] = "static:65534",
            ["virtual_minimum_uid"] = "1",
            ["smtpd_tls_security_level"] = tlsLevel,
            ["smtpd_tls_received_header"] = "yes",
            ["smtpd_tls_loglevel"] = "1",
        };
        if (certificateChain is not null && key is not null)
        {
            settings["smtpd_tls_chain_files"] = $"{key}, {certificateChain}";
        }

        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            settings[name] = value;
        }

        return await StartAsync(directory, smtpd, settings);
    }

    /// <summary>The messages delivered into the receiver's Maildir so far.</summary>
    public IReadOnlyList<string> Delivered()
    {
        var inbox = Path.Combine(Directory, "mail", "inbox", "new");
        return System.IO.Directory.Exists(inbox) ? [.. System.IO.Directory.GetFiles(inbox).Select(File.ReadAllText)] : [];
    }

    public Task<string> MailLogTextAsync() => File.Exists(MailLog) ? File.ReadAllTextAsync(MailLog) : Task.FromResult("");

    public async ValueTask DisposeAsync()
    {
        await ManagedProcess.RunProgramAsync("postfix", ["-c", ConfigDirectory, "stop"]);
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await process.WaitForExitAsync(limit.Token);
            }
            catch (OperationCanceledException)
            {
                // The master outlives the script that started it; stop it by its pid file.
                var pidFile = Path.Combine(Directory, "spool", "pid", "master.pid");
                if (File.Exists(pidFile) && int.TryParse((await File.ReadAllTextAsync(pidFile)).Trim(), out var master))
                {
                    (await ManagedProcess.RunProgramAsync("kill", ["-9", master.ToString(System.Globalization.CultureInfo.InvariantCulture)])).Succeeded();
                }

                await process.KillAsync();
            }
        }

        process.Dispose();
    }

    private const string MasterCf = """
        SMTPD     inet  n       -       n       -       -       smtpd
        pickup    unix  n       -       n       60      1       pickup
        cleanup   unix  n       -       n       -       0       cleanup
        qmgr      unix  n       -       n       300     1       qmgr
        tlsmgr    unix  -       -       n       1000?   1       tlsmgr
        tlsproxy  unix  -       -       n       -       0       tlsproxy
        rewrite   unix  -       -       n       -       -       trivial-rewrite
        bounce    unix  -       -       n       -       0       bounce
        defer     unix  -       -       n       -       0       bounce
        trace     unix  -       -       n       -       0       bounce
        verify    unix  -       -       n       -       1       verify
        flush     unix  n       -       n       1000?   0       flush
        proxymap  unix  -       -       n       -       -       proxymap
        smtp      unix  -       -       n       -       -       smtp
        relay     unix  -       -       n       -       -       smtp
        showq     unix  n       -       n       -       -       showq
        error     unix  -       -       n       -       -       error
        retry     unix  -       -       n       -       -       error
        discard   unix  -       -       n       -       -       discard
        local     unix  -       n       n       -       -       local
        virtual   unix  -       n       n       -       -       virtual
        anvil     unix  -       -       n       -       1       anvil
        scache    unix  -       -       n       -       1       scache
        postlog   unix-dgram n  -       n       -       1       postlogd

        """;
}
