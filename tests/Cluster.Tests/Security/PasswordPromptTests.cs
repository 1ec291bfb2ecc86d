using System.Diagnostics;
using System.Net;
using System.Text;

namespace Gatehouse.Cluster.Tests.Security;

/// <summary>A password typed at a terminal is not shown on it, and is the one that logs in.</summary>
public sealed class PasswordPromptTests
{
    [Fact]
    public async Task Users_add_at_a_terminal_prompts_twice_without_showing_what_is_typed()
    {
        await using var cluster = await TestCluster.StartAsync(nodes: 0);
        var manager = cluster.Manager;
        const string Password = "typed-at-a-tty-42";

        // script(1) gives the command a pseudo-terminal, as an admin's shell would.
        var command = $"dotnet {Binaries.Manager} users add carol --data-dir {manager.DataDir}";
        using var terminal = Process.Start(new ProcessStartInfo("script", ["-q", "-e", "-c", command, "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        })!;
        var shown = new StringBuilder();
        var reading = Task.Run(async () =>
        {
            var buffer = new char[256];
            int read;
            while ((read = await terminal.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (shown)
                {
                    shown.Append(buffer, 0, read);
                }
            }
        });

        // Typed only once the prompt is there, as a person would.
        foreach (var prompt in new[] { "Password: ", "Password (again): " })
        {
            await Wait.UntilAsync(() => { lock (shown) { return shown.ToString().EndsWith(prompt, StringComparison.Ordinal); } }, $"the prompt '{prompt}'");
            await terminal.StandardInput.WriteAsync(Password + "\r");
            await terminal.StandardInput.FlushAsync();
        }

        await terminal.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await reading;

        Assert.Equal(0, terminal.ExitCode);
        Assert.Contains("User carol can log in to the GUI", shown.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, shown.ToString(), StringComparison.Ordinal);
        using var gui = GuiBrowser.Open(manager);
        Assert.Equal(HttpStatusCode.Redirect, (await GuiBrowser.LoginAsync(gui, "carol", Password)).Status);
    }
}
