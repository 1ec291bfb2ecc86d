namespace Gatehouse.ClusterManager.Acme;

/// <summary>The resources of an ACME server's directory (RFC 8555 §7.1.1); renewalInfo where the CA offers ARI.</summary>
internal sealed record AcmeDirectory(Uri NewNonce, Uri NewAccount, Uri NewOrder, Uri? RevokeCert, Uri? KeyChange, Uri? RenewalInfo, bool ExternalAccountRequired, string? TermsOfService);

/// <summary>An order (§7.1.3): its URL, status, authorizations, where to finalize and, once valid, the certificate.</summary>
internal sealed record AcmeOrder(Uri Url, string Status, IReadOnlyList<Uri> Authorizations, Uri Finalize, Uri? Certificate, string? Error);

/// <summary>A challenge of an authorization (§7.1.5): http-01, dns-01, …</summary>
internal sealed record AcmeChallenge(string Type, Uri Url, string Token, string Status);

/// <summary>An authorization (§7.1.4): the name, its status and the ways to prove it.</summary>
internal sealed record AcmeAuthorization(Uri Url, string Identifier, string Status, IReadOnlyList<AcmeChallenge> Challenges);
