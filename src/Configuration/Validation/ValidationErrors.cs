using Gatehouse.Cluster.V1;

namespace Gatehouse.Configuration.Validation;

/// <summary>Collects every problem found; rules add to it and never stop at the first.</summary>
public sealed class ValidationErrors
{
    private readonly List<ValidationError> errors = [];

    public IReadOnlyList<ValidationError> All => errors;

    public bool IsEmpty => errors.Count == 0;

    public void Add(string path, string message) => errors.Add(new ValidationError { Path = path, Message = message });

    public static string Format(ValidationError error) =>
        error.Path.Length == 0 ? error.Message : $"{error.Path}: {error.Message}";
}
