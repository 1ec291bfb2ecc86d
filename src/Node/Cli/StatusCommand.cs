using System.Text.Json;
using Gatehouse.Node.Runtime;

namespace Gatehouse.Node.Cli;

/// <summary><c>gatehouse-node status</c>: membership, link to the manager, applied version, last error.</summary>
internal static class StatusCommand
{
    public static int Run(NodePaths paths, bool json)
    {
        var identity = NodeIdentity.Load(paths);
        var status = NodeStatusFile.Read(paths) ?? new NodeLocalStatus { Name = identity.Name };
        var running = status.ProcessId > 0 && Directory.Exists($"/proc/{status.ProcessId}");
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                name = identity.Name,
                managers = identity.Managers,
                running,
                connected = running && status.Connected,
                manager = status.Manager,
                applied_version = status.AppliedVersion,
                applied_at = status.AppliedAt,
                last_contact = status.LastContact,
                last_error = status.LastError,
            }, NodeStatusFile.Json));
            return 0;
        }

        Console.WriteLine($"Node:             {identity.Name}");
        Console.WriteLine($"Managers:         {string.Join(", ", identity.Managers)}");
        Console.WriteLine($"Process:          {(running ? $"running (pid {status.ProcessId})" : "not running")}");
        Console.WriteLine($"Manager link:     {(running && status.Connected ? $"connected to {status.Manager}" : "disconnected")}");
        Console.WriteLine($"Applied version:  {(status.AppliedVersion == 0 ? "none" : $"{status.AppliedVersion} at {status.AppliedAt:u}")}");
        Console.WriteLine($"Last contact:     {status.LastContact?.ToString("u", System.Globalization.CultureInfo.InvariantCulture) ?? "never"}");
        Console.WriteLine($"Last error:       {(status.LastError.Length == 0 ? "none" : status.LastError)}");
        return 0;
    }
}
