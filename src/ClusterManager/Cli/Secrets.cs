namespace Gatehouse.ClusterManager.Cli;

/// <summary>Passwords and passphrases: from a file, or typed at the prompt without being shown (twice where a typo would lock the admin out).</summary>
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

    // Typed at a terminal, nothing of it is shown; from a pipe, one line is read.
    private static string Ask(string prompt)
    {
        using var hidden = TerminalEcho.Off();
        Console.Error.Write($"{prompt}: ");
        var answer = hidden is null ? Console.ReadLine() : ReadHidden();
        if (hidden is not null)
        {
            Console.Error.WriteLine();
        }

        return answer ?? throw new CliException($"{prompt} is required (or give a file)");
    }

    private static string ReadHidden()
    {
        var typed = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    return typed.ToString();
                case ConsoleKey.Backspace when typed.Length > 0:
                    typed.Length--;
                    break;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        typed.Append(key.KeyChar);
                    }

                    break;
            }
        }
    }
}
