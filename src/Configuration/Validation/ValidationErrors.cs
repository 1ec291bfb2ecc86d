using Gatehouse.Cluster.V1;

namespace Gatehouse.Configuration.Validation;

/// <summary>Collects every problem found; rules add to it and never stop at the first.</summary>
public sealed class ValidationErrors
{
    private readonly List<ValidationError> errors = [];
    private readonly List<ValidationError> warnings = [];

    public IReadOnlyList<ValidationError> All => errors;

    /// <summary>Things the admin should know that do not stop a commit (e.g. the demo certificate in use).</summary>
    public IReadOnlyList<ValidationError> Warnings => warnings;

    public bool IsEmpty => errors.Count == 0;

    public void Add(string path, string message) => errors.Add(new ValidationError { Path = path, Message = message });

    public void Warn(string path, string message) => warnings.Add(new ValidationError { Path = path, Message = message });

    public static string Format(ValidationError error) =>
        error.Path.Length == 0 ? error.Message : $"{error.Path}: {error.Message}";
}
