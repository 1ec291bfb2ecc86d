namespace Gatehouse.Node.Scanning;

/// <summary>A scanner that works but would not judge this message (over its size limit): not counted against its circuit.</summary>
internal sealed class NoVerdictException(string message) : Exception(message);
