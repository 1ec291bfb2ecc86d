namespace Gatehouse.Harness;

/// <summary>What a CLI run printed and how it ended.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public string LastLine => Output.TrimEnd().Split('\n')[^1].Trim();

    /// <param name="meaning">What a failure means, for the reader of the test's output.</param>
    public CommandResult Succeeded(string? meaning = null)
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"{(meaning is null ? "" : meaning + ": ")}command failed with exit code {ExitCode}: {Error}{Output}");
        }

        return this;
    }
}
