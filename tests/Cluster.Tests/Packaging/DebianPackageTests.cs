using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gatehouse.Cluster.Tests.Packaging;

/// <summary>
/// Install as a service: self-contained Debian packages with hardened systemd units, whose
/// programs run without .NET installed and tell systemd when they are ready (Type=notify).
/// </summary>
public sealed class DebianPackageTests(DebianPackages packages) : IClassFixture<DebianPackages>
{
    [Theory]
    [InlineData("manager")]
    [InlineData("node")]
    public async Task A_package_holds_the_program_its_unit_and_its_options_and_says_what_it_needs(string app)
    {
        var deb = app == "manager" ? packages.Manager : packages.Node;
        var fields = (await ManagedProcess.RunProgramAsync("dpkg-deb", ["-f", deb, "Package", "Architecture", "Depends"])).Succeeded().Output;
        Assert.Contains($"Package: gatehouse-{app}", fields, StringComparison.Ordinal);
        Assert.Contains("Architecture: amd64", fields, StringComparison.Ordinal);
        Assert.Contains("libssl3", fields, StringComparison.Ordinal);

        var contents = (await ManagedProcess.RunProgramAsync("dpkg-deb", ["-c", deb])).Succeeded().Output;
        Assert.Matches($@"-rwxr-xr-x root/root .* \./usr/lib/gatehouse/{app}/gatehouse-{app}\n", contents);
        Assert.Matches($@"\./usr/bin/gatehouse-{app} -> \.\./lib/gatehouse/{app}/gatehouse-{app}", contents);
        Assert.Contains($"./lib/systemd/system/gatehouse-{app}.service", contents, StringComparison.Ordinal);
        Assert.Contains($"./etc/gatehouse/{app}.env", contents, StringComparison.Ordinal);
        Assert.Equal($"/etc/gatehouse/{app}.env", File.ReadAllText(await ControlFileAsync(deb, "conffiles")).Trim());
    }

    [Theory]
    [InlineData("manager")]
    [InlineData("node")]
    public async Task The_unit_verifies_is_hardened_and_is_of_the_notify_type(string app)
    {
        var unit = $"/lib/systemd/system/gatehouse-{app}.service";
        (await ManagedProcess.RunProgramAsync("systemd-analyze", ["verify", $"--root={packages.Root}", unit])).Succeeded();
        var text = await File.ReadAllTextAsync(packages.Root + unit);
        Assert.All(
            ["Type=notify", "User=gatehouse", "NoNewPrivileges=yes", "ProtectSystem=strict", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
             $"ReadWritePaths=/var/lib/gatehouse/{app}", $"StateDirectory=gatehouse/{app}", $"EnvironmentFile=-/etc/gatehouse/{app}.env"],
            line => Assert.Contains(line + "\n", text, StringComparison.Ordinal));

        // systemd's own rating of the sandbox: below 5 is "OK" or better.
        var security = (await ManagedProcess.RunProgramAsync("systemd-analyze", ["security", "--offline=true", $"--root={packages.Root}", $"gatehouse-{app}.service"])).Output;
        var exposure = double.Parse(System.Text.RegularExpressions.Regex.Match(security, @"Overall exposure level for .*: ([\d.]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(exposure < 5, security);
    }

    [Fact]
    public async Task Installing_makes_the_system_user_and_data_directories_and_purging_keeps_the_data()
    {
        Assert.False((await ManagedProcess.RunProgramAsync("dpkg", ["-s", "gatehouse-node"])).ExitCode == 0, "gatehouse-node is installed on this machine already");
        try
        {
            (await ManagedProcess.RunProgramAsync("dpkg", ["-i", packages.Manager, packages.Node], timeout: TimeSpan.FromMinutes(5))).Succeeded();
            Assert.Contains("/usr/sbin/nologin", (await ManagedProcess.RunProgramAsync("getent", ["passwd", "gatehouse"])).Succeeded().Output, StringComparison.Ordinal);
            foreach (var app in new[] { "manager", "node" })
            {
                Assert.Equal("gatehouse:gatehouse 750", (await ManagedProcess.RunProgramAsync("stat", ["-c", "%U:%G %a", $"/var/lib/gatehouse/{app}"])).Succeeded().Output.Trim());
                Assert.Equal("root:gatehouse 640", (await ManagedProcess.RunProgramAsync("stat", ["-c", "%U:%G %a", $"/etc/gatehouse/{app}.env"])).Succeeded().Output.Trim());
                Assert.Contains("Usage:", (await ManagedProcess.RunProgramAsync("env", ["-i", "PATH=/usr/bin:/bin", $"gatehouse-{app}", "--help"])).Succeeded().Output, StringComparison.Ordinal);
            }

            await File.WriteAllTextAsync("/var/lib/gatehouse/node/kept", "the admin's data");
            (await ManagedProcess.RunProgramAsync("dpkg", ["--purge", "gatehouse-manager", "gatehouse-node"], timeout: TimeSpan.FromMinutes(5))).Succeeded();
            Assert.False(Directory.Exists("/usr/lib/gatehouse"));
            Assert.False(File.Exists("/etc/gatehouse/node.env"));
            Assert.True(File.Exists("/var/lib/gatehouse/node/kept"));
        }
        finally
        {
            await ManagedProcess.RunProgramAsync("dpkg", ["--purge", "gatehouse-manager", "gatehouse-node"], timeout: TimeSpan.FromMinutes(5));
            if (Directory.Exists("/var/lib/gatehouse"))
            {
                Directory.Delete("/var/lib/gatehouse", recursive: true);
            }

            await ManagedProcess.RunProgramAsync("userdel", ["gatehouse"]);
        }
    }

    [Fact]
    public async Task The_packaged_programs_run_without_dotnet_and_notify_systemd_when_ready()
    {
        var data = Path.Combine(packages.Work, "run");
        var manager = Path.Combine(packages.Root, "usr", "lib", "gatehouse", "manager", "gatehouse-manager");
        var node = Path.Combine(packages.Root, "usr", "lib", "gatehouse", "node", "gatehouse-node");
        var address = IPAddress.Parse("127.0.0.41");
        var url = $"https://{address}:{FreePort.On(address)}";

        using var managerReady = new NotifySocket(Path.Combine(packages.Work, "manager.notify"));
        using var managerProcess = AsSystemdService(managerReady, manager, "serve", "--data-dir", Path.Combine(data, "manager"), "--listen", url);
        try
        {
            Assert.Equal("READY=1", await managerReady.ReadyAsync(TimeSpan.FromSeconds(60)));

            var token = (await WithoutDotnetAsync(manager, "token", "create", "--data-dir", Path.Combine(data, "manager"))).Succeeded().Output.Trim().Split('\n')[^1];
            await File.WriteAllTextAsync(Path.Combine(packages.Work, "token"), token);
            (await WithoutDotnetAsync(node, "join", "--manager", url, "--token-file", Path.Combine(packages.Work, "token"), "--name", "packaged", "--data-dir", Path.Combine(data, "node"))).Succeeded();

            using var nodeReady = new NotifySocket(Path.Combine(packages.Work, "node.notify"));
            using var nodeProcess = AsSystemdService(nodeReady, node, "run", "--data-dir", Path.Combine(data, "node"));
            try
            {
                Assert.Equal("READY=1", await nodeReady.ReadyAsync(TimeSpan.FromSeconds(60)));
                await Wait.UntilAsync(async () => (await WithoutDotnetAsync(manager, "nodes", "list", "--data-dir", Path.Combine(data, "manager"))).Output.Contains("packaged  connected", StringComparison.Ordinal),
                    "the packaged node is connected to the packaged manager");
            }
            finally
            {
                await StopServiceAsync(nodeProcess);
            }
        }
        finally
        {
            await StopServiceAsync(managerProcess);
        }
    }

    // As systemd starts a Type=notify service in a container: PID 1 of its own PID namespace with
    // NOTIFY_SOCKET set, and no .NET on the PATH.
    private ManagedProcess AsSystemdService(NotifySocket socket, string program, params string[] arguments) =>
        ManagedProcess.StartExecutable("env", ["-i", "PATH=/usr/bin:/bin", $"NOTIFY_SOCKET={socket.Path}", "unshare", "--pid", "--fork", "--kill-child=SIGTERM", program, .. arguments],
            Path.Combine(packages.Work, Path.GetFileName(program) + ".log"));

    // unshare waits for its child and ignores SIGTERM itself: the service (PID 1 inside) gets it, as
    // from systemd, and unshare ends with it.
    private static async Task StopServiceAsync(ManagedProcess unshare)
    {
        var children = await File.ReadAllTextAsync($"/proc/{unshare.Id}/task/{unshare.Id}/children");
        foreach (var child in children.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            await ManagedProcess.RunProgramAsync("kill", ["-TERM", child]);
        }

        await unshare.StopAsync();
    }

    private static Task<CommandResult> WithoutDotnetAsync(string program, params string[] arguments) =>
        ManagedProcess.RunProgramAsync("env", ["-i", "PATH=/usr/bin:/bin", program, .. arguments]);

    private async Task<string> ControlFileAsync(string deb, string name)
    {
        var control = Path.Combine(packages.Work, "control-" + Path.GetFileNameWithoutExtension(deb));
        (await ManagedProcess.RunProgramAsync("dpkg-deb", ["-e", deb, control])).Succeeded();
        return Path.Combine(control, name);
    }

    /// <summary>The datagram socket systemd listens on for sd_notify messages.</summary>
    private sealed class NotifySocket : IDisposable
    {
        private readonly Socket socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        public NotifySocket(string path)
        {
            Path = path;
            File.Delete(path);
            socket.Bind(new UnixDomainSocketEndPoint(path));
        }

        public string Path { get; }

        /// <summary>The first message that says READY, or the last message before the time ran out.</summary>
        public async Task<string> ReadyAsync(TimeSpan timeout)
        {
            using var limit = new CancellationTokenSource(timeout);
            var buffer = new byte[4096];
            var last = "";
            try
            {
                while (true)
                {
                    var count = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token);
                    last = Encoding.UTF8.GetString(buffer, 0, count);
                    if (last.Split('\n').Contains("READY=1"))
                    {
                        return "READY=1";
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return last.Length > 0 ? last : "(no notification)";
            }
        }

        public void Dispose() => socket.Dispose();
    }
}
