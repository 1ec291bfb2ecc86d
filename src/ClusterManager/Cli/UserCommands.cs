using System.CommandLine;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Gui;
using Gatehouse.ClusterManager.Runtime;

namespace Gatehouse.ClusterManager.Cli;

/// <summary><c>gatehouse-manager users add|list|delete</c>: the GUI's administrators, kept in the data directory.</summary>
internal static class UserCommands
{
    public static Command Build()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Manager data directory", Required = true };
        var name = new Argument<string>("name") { Description = "User name" };
        var passwordFile = new Option<string>("--password-file") { Description = "File holding the password (default: asked twice)" };
        var add = new Command("add", "Add a GUI administrator, or set a new password") { name, dataDir, passwordFile };
        add.SetAction(result =>
        {
            var password = Secrets.Read(result.GetValue(passwordFile), "Password", twice: true);
            Run(() => Users(result, dataDir).Set(result.GetValue(name)!, password));
            Console.WriteLine($"User {result.GetValue(name)} can log in to the GUI");
        });

        var list = new Command("list", "List GUI administrators") { dataDir };
        list.SetAction(result =>
        {
            foreach (var user in Users(result, dataDir).Names())
            {
                Console.WriteLine(user);
            }
        });

        var delete = new Command("delete", "Delete a GUI administrator") { name, dataDir };
        delete.SetAction(result =>
        {
            if (!Users(result, dataDir).Delete(result.GetValue(name)!))
            {
                throw new CliException($"no user '{result.GetValue(name)}'");
            }

            Console.WriteLine($"User {result.GetValue(name)} deleted");
        });

        return new Command("users", "GUI administrators (salted password hashes in DATA/admin-users.json)") { add, list, delete };
    }

    private static AdminUsers Users(ParseResult result, Option<string> dataDir) => new(new ManagerPaths(Path.GetFullPath(result.GetValue(dataDir)!)));

    private static void Run(Action action)
    {
        try
        {
            action();
        }
        catch (ChangeRejectedException e)
        {
            throw new CliException(e.Message);
        }
    }
}
