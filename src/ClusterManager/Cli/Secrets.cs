namespace Gatehouse.ClusterManager.Cli;

/// <summary>Passwords and passphrases: from a file, or typed at the prompt (twice where a typo would lock the admin out).</summary>
internal static class Secrets
{
    public static string Read(string? file, string prompt, bool twice = false)
    {
        if (file is not null)
        {
            try
            {
                return File.ReadAllText(file).TrimEnd('\r', '\n');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException($"cannot read {file}: {e.Message}");
            }
        }

        var first = Ask(prompt);
        if (twice && Ask($"{prompt} (again)") != first)
        {
            throw new CliException("the two entries differ; nothing was done");
        }

        return first;
    }

    private static string Ask(string prompt)
    {
        Console.Error.Write($"{prompt}: ");
        return Console.ReadLine() ?? throw new CliException($"{prompt} is required (or give a file)");
    }
}
