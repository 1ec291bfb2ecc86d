using System.CommandLine;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Cli;

/// <summary>
/// <c>gatehouse-manager users add|list|delete</c>: the GUI's administrators, kept in the store
/// through the admin API, so that every replica has the same users and passwords.
/// </summary>
internal static class UserCommands
{
    public static Command Build(ConnectionOptions connection)
    {
        var name = new Argument<string>("name") { Description = "User name" };
        var passwordFile = new Option<string>("--password-file") { Description = "File holding the password (default: asked twice, not shown)" };
        var add = new Command("add", "Add a GUI administrator, or set a new password") { name, passwordFile };
        add.SetAction(async (result, cancel) =>
        {
            var password = Secrets.Read(result.GetValue(passwordFile), "Password", twice: true);
            using var client = connection.Connect(result);
            await client.SendAsync<GuiUserView>(HttpMethod.Put, $"api/v1/users/{Uri.EscapeDataString(result.GetValue(name)!)}", new GuiUserRequest(password), cancel);
            Console.WriteLine($"User {result.GetValue(name)} can log in to the GUI");
        });

        var list = new Command("list", "List GUI administrators");
        list.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            foreach (var user in await client.GetAsync<List<string>>("api/v1/users", cancel))
            {
                Console.WriteLine(user);
            }
        });

        var delete = new Command("delete", "Delete a GUI administrator") { name };
        delete.SetAction(async (result, cancel) =>
        {
            using var client = connection.Connect(result);
            await client.SendAsync<GuiUserView>(HttpMethod.Delete, $"api/v1/users/{Uri.EscapeDataString(result.GetValue(name)!)}", null, cancel);
            Console.WriteLine($"User {result.GetValue(name)} deleted");
        });

        return new Command("users", "GUI administrators (salted password hashes in the store, shared by replicas)") { add, list, delete };
    }
}
