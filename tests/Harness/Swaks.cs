using System.Net;

namespace Gatehouse.Harness;

/// <summary>The real swaks, as admins test mail servers with it.</summary>
public static class Swaks
{
    public static Task<CommandResult> SendAsync(IPEndPoint server, string to, params string[] extra) =>
        RunAsync(["--server", server.ToString(), "--to", to, "--from", "sender@sender.test", "--helo", "client.sender.test", "--timeout", "20", .. extra]);

    public static Task<CommandResult> RunAsync(IEnumerable<string> arguments) =>
        ManagedProcess.RunProgramAsync("swaks", arguments);
}
