using Gatehouse.ClusterManager.Cli;

return await ManagerCli.RunAsync(args);
