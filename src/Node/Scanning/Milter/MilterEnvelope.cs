namespace Gatehouse.Node.Scanning.Milter;

/// <summary>What a milter is told of the session besides the message: the envelope and what Postfix's macros carry.</summary>
/// <param name="DaemonName">The listener's name ({daemon_name}).</param>
/// <param name="DaemonAddress">The address the client connected to ({daemon_addr}).</param>
internal sealed record MilterEnvelope(
    ScanEnvelope Scan, int ClientPort, string HostName, string DaemonName, string DaemonAddress,
    string? TlsVersion = null, string? Cipher = null, string? CertificateSubject = null, string? CertificateIssuer = null);
