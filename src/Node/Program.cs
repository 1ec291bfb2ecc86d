using Gatehouse.Node.Cli;

return await NodeCli.RunAsync(args);
