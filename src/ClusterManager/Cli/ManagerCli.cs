using System.CommandLine;
using Gatehouse.ClusterManager.Hosting;
using Gatehouse.ClusterManager.Store;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>The <c>gatehouse-manager</c> command line: <c>serve</c> plus the admin client commands.</summary>
internal static class ManagerCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Gatehouse cluster manager: holds the cluster configuration and pushes it to the nodes.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(RestoreCommand());
        var connection = new ConnectionOptions();
        foreach (var command in NodeCommands.Build(connection).Concat(ConfigCommands.Build(connection)).Append(CertificateCommands.Build(connection)).Append(SigningKeyCommands.Build(connection)).Append(SigningKeyCommands.Dkim(connection)).Append(TlsCheckCommands.Build(connection)).Append(TlsVerifyCommand.Build(connection)).Append(QueueCommands.Build(connection)).Append(AlertCommands.Build(connection)).Append(StatusCommand.Build(connection)).Append(TrackCommand.Build(connection)).Append(TlsReportCommands.Build(connection)).Append(DmarcReportCommands.Build(connection)).Append(StsCommands.Build(connection)).Append(ApiTokenCommands.Build(connection)).Append(UserCommands.Build(connection)).Append(BackupCommands.Backup(connection)).Append(GroupCommands.Build(connection)))
        {
            connection.AddTo(command);
            root.Subcommands.Add(command);
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.FirstOrDefault() != "serve")
        {
            Console.SetOut(new PrintableWriter(Console.Out));
            Console.SetError(new PrintableWriter(Console.Error));
        }

        try
        {
            return await Build().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (CliException e)
        {
            Console.Error.WriteLine($"gatehouse-manager: error: {e.Message}");
            foreach (var detail in e.Details)
            {
                Console.Error.WriteLine($"  {detail}");
            }

            return 1;
        }
    }

    private static RedisLocation? Store(string? text, string? passwordFile, string? caFile)
    {
        if (text is null)
        {
            return passwordFile is null && caFile is null ? null
                : throw new CliException("--store-password-file and --store-ca-file go with --store");
        }

        try
        {
            return RedisLocation.Parse(text, passwordFile, caFile);
        }
        catch (StoreException e)
        {
            throw new CliException(e.Message);
        }
    }

    private static Command RestoreCommand()
    {
        var (store, passwordFile, caFile) = StoreOptions();
        return BackupCommands.Restore(result => Store(result.GetValue(store), result.GetValue(passwordFile), result.GetValue(caFile)), store, passwordFile, caFile);
    }

    private static (Option<string> Store, Option<string> PasswordFile, Option<string> CaFile) StoreOptions() =>
    (
        new Option<string>("--store")
        {
            Description = "rediss://[USER@]HOST:PORT (redis:// without TLS) to share the cluster state with other manager replicas (default: the file store in --data-dir)",
        },
        new Option<string>("--store-password-file") { Description = "File holding the Redis password of the user in --store" },
        new Option<string>("--store-ca-file") { Description = "CA certificate (PEM) that the Redis server's TLS certificate must chain to" }
    );

    private static Command Serve()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Directory holding the CA, the store and the admin token", Required = true };
        var listen = new Option<string>("--listen")
        {
            Description = "HTTPS address for nodes and admins",
            DefaultValueFactory = _ => "https://127.0.0.1:9443",
        };
        var (store, passwordFile, caFile) = StoreOptions();
        var serve = new Command("serve", "Run the manager") { dataDir, listen, store, passwordFile, caFile };
        serve.SetAction((result, cancel) => ManagerServer.RunAsync(
            result.GetValue(dataDir)!, Urls.ParseListen(result.GetValue(listen)!),
            Store(result.GetValue(store), result.GetValue(passwordFile), result.GetValue(caFile)), cancel));
        return serve;
    }
}

/// <summary>The options every client command takes to reach the manager.</summary>
internal sealed class ConnectionOptions
{
    private readonly Option<string> dataDir = new("--data-dir") { Description = "Manager data directory (URL, CA and admin token are read from it)" };
    private readonly Option<string> manager = new("--manager") { Description = "Manager URL, e.g. https://127.0.0.1:9443" };
    private readonly Option<string> tokenFile = new("--api-token-file") { Description = "File holding the admin API token" };
    private readonly Option<string> caFile = new("--ca-file") { Description = "Cluster CA certificate (PEM) to trust" };

    public void AddTo(Command command)
    {
        command.Options.Add(dataDir);
        command.Options.Add(manager);
        command.Options.Add(tokenFile);
        command.Options.Add(caFile);
        foreach (var sub in command.Subcommands)
        {
            AddTo(sub);
        }
    }

    public AdminClient Connect(ParseResult result) => AdminClient.Create(ConnectionSettings.Resolve(
        result.GetValue(dataDir), result.GetValue(manager) is { } url ? Urls.Parse(url, "--manager") : null, result.GetValue(tokenFile), result.GetValue(caFile)));
}
