using Gatehouse.ClusterManager.Runtime;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>How a client command finds the manager, the CA to trust and the admin token.</summary>
internal sealed record ConnectionSettings(Uri Manager, string CaFile, string TokenFile)
{
    public static ConnectionSettings Resolve(string? dataDir, Uri? manager, string? tokenFile, string? caFile)
    {
        if (dataDir is not null)
        {
            var paths = new ManagerPaths(Path.GetFullPath(dataDir));
            if (manager is null && !File.Exists(paths.Endpoint))
            {
                throw new CliException($"{paths.Endpoint} does not exist: start 'gatehouse-manager serve --data-dir {dataDir}' first, or give --manager URL");
            }

            manager ??= new Uri(File.ReadAllText(paths.Endpoint).Trim());
            tokenFile ??= paths.AdminToken;
            caFile ??= paths.CaCertificate;
        }

        if (manager is null || tokenFile is null || caFile is null)
        {
            throw new CliException("give --data-dir DIR, or --manager URL with --api-token-file FILE and --ca-file FILE");
        }

        return new ConnectionSettings(manager, caFile, tokenFile);
    }
}
