namespace Gatehouse.Harness;

/// <summary>The real <c>openssl</c> command line, as admins use it next to Gatehouse.</summary>
public static class OpenSsl
{
    public static Task<CommandResult> RunAsync(string workingDirectory, IEnumerable<string> arguments, string? input = null) =>
        ManagedProcess.RunProgramAsync("openssl", arguments, input, workingDirectory: workingDirectory);

    /// <summary>
    /// One message over STARTTLS with REQUIRETLS on MAIL FROM (RFC 8689), typed into
    /// <c>openssl s_client -starttls smtp</c> as an administrator would (swaks cannot add a MAIL
    /// parameter); returns what s_client printed.
    /// </summary>
    public static Task<CommandResult> SendRequireTlsAsync(string workingDirectory, System.Net.IPEndPoint server, string from, string to, string subject) =>
        RunAsync(workingDirectory, ["s_client", "-starttls", "smtp", "-connect", server.ToString(), "-crlf", "-quiet"],
            input: $"EHLO client.sender.test\nMAIL FROM:<{from}> REQUIRETLS\nRCPT TO:<{to}>\nDATA\nSubject: {subject}\n\nSecret body.\n.\nQUIT\n");

    public static async Task<string> OkAsync(string workingDirectory, params string[] arguments) =>
        (await RunAsync(workingDirectory, arguments)).Succeeded().Output;

    /// <summary>The serial number (<c>serial=…</c>) of the certificate a TLS server presents for <paramref name="serverName"/>; empty when none.</summary>
    public static async Task<string> PresentedSerialAsync(string workingDirectory, System.Net.IPEndPoint endpoint, string serverName)
    {
        var shown = await RunAsync(workingDirectory, ["s_client", "-connect", endpoint.ToString(), "-servername", serverName], input: "");
        var start = shown.Output.IndexOf("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);
        if (start < 0)
        {
            return "";
        }

        var leaf = shown.Output[start..(shown.Output.IndexOf("-----END CERTIFICATE-----", start, StringComparison.Ordinal) + 25)];
        return (await RunAsync(workingDirectory, ["x509", "-noout", "-serial"], leaf)).Output.Trim();
    }

    /// <summary>
    /// What a TLS handshake with these s_client options settled on: <c>TLSv1.3 TLS_AES_256_GCM_SHA384</c>,
    /// or empty when the server refused it.
    /// </summary>
    public static async Task<string> NegotiatedAsync(string workingDirectory, System.Net.IPEndPoint endpoint, params string[] options)
    {
        var shown = await RunAsync(workingDirectory, ["s_client", "-connect", endpoint.ToString(), .. options], input: "Q\n");
        var line = shown.Output.Split('\n').FirstOrDefault(l => l.StartsWith("New, ", StringComparison.Ordinal)) ?? "";
        // "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384"; "New, (NONE), Cipher is (NONE)" when refused.
        var parts = line.Split([", ", "Cipher is "], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Length == 3 && parts[1] != "(NONE)" ? $"{parts[1]} {parts[2]}" : "";
    }

    /// <summary>The serial number (<c>serial=…</c>) of a certificate file.</summary>
    public static async Task<string> SerialAsync(string workingDirectory, string certificate) =>
        (await OkAsync(workingDirectory, "x509", "-noout", "-serial", "-in", certificate)).Trim();
}
