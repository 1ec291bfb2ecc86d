using Gatehouse.ClusterManager.Cli;
using Gatehouse.Configuration.Tls;

// Before any TLS: the built-in default TLS policy is OpenSSL's own configuration here.
OpenSslDefaults.Apply();
return await ManagerCli.RunAsync(args);
