namespace Gatehouse.Configuration.Files;

/// <summary>One problem in a configuration file, located for the admin who has to fix it.</summary>
public sealed record ConfigFileError(string File, long Line, long Column, string Field, string Message)
{
    public override string ToString() =>
        Field.Length == 0
            ? $"{File}:{Line}:{Column}: {Message}"
            : $"{File}:{Line}:{Column}: {Field}: {Message}";
}

/// <summary>A configuration file that could not be read; carries every error found.</summary>
public sealed class ConfigFileException : Exception
{
    public ConfigFileException(IReadOnlyList<ConfigFileError> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public ConfigFileException()
        : this([])
    {
    }

    public ConfigFileException(string message)
        : base(message)
    {
        Errors = [];
    }

    public ConfigFileException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public IReadOnlyList<ConfigFileError> Errors { get; }
}
