namespace Gatehouse.Harness;

/// <summary>The real <c>openssl</c> command line, as admins use it next to Gatehouse.</summary>
public static class OpenSsl
{
    public static Task<CommandResult> RunAsync(string workingDirectory, IEnumerable<string> arguments, string? input = null) =>
        ManagedProcess.RunProgramAsync("openssl", arguments, input, workingDirectory: workingDirectory);

    public static async Task<string> OkAsync(string workingDirectory, params string[] arguments) =>
        (await RunAsync(workingDirectory, arguments)).Succeeded().Output;
}
