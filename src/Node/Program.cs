using Gatehouse.Configuration.Tls;
using Gatehouse.Node.Cli;

// Before any TLS: the built-in default TLS policy is OpenSSL's own configuration here.
OpenSslDefaults.Apply();
return await NodeCli.RunAsync(args);
