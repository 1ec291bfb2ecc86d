namespace Gatehouse.Harness;

/// <summary>What a CLI run printed and how it ended.</summary>
public sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public string LastLine => Output.TrimEnd().Split('\n')[^1].Trim();

    public CommandResult Succeeded()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException($"command failed with exit code {ExitCode}: {Error}{Output}");
        }

        return this;
    }
}
