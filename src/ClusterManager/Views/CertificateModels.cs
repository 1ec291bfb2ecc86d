namespace Gatehouse.ClusterManager.Views;

// Bodies of the certificate endpoints. Binary files travel as base64.

internal sealed record SelfSignedRequest(
    string Name, string? Machine, string CommonName, string? Organization, string? OrganizationalUnit, string? City,
    string? State, string? Country, IReadOnlyList<string>? DnsNames, int Days, string KeyType, bool CheckFqdn);

internal sealed record CsrResponse(string Csr);

internal sealed record RenewRequest(string? Machine, bool NewKey);

internal sealed record SignedCertificateRequest(string? Machine, string Certificate, string? Intermediates);

internal sealed record NotesResponse(IReadOnlyList<string> Notes);

internal sealed record Pkcs12ImportRequest(string Name, string? Machine, string Data, string Password, bool Replace);

internal sealed record PemImportRequest(string Name, string? Machine, string Certificate, string PrivateKey, string? Passphrase, bool Replace);

internal sealed record ExportPkcs12Request(string? Machine, string Password);

internal sealed record Pkcs12Response(string Data);

internal sealed record SystemCasRequest(string? Machine, bool Enabled);

internal sealed record CustomCasRequest(string? Machine, string Bundle);

internal sealed record RevocationListRequest(string? Machine, string List);

internal sealed record TrustedCasView(bool SystemBundleEnabled, IReadOnlyList<string> Custom, string Pem);

/// <summary>A new signing key (<c>Algorithm</c>: rsa-2048, rsa-3072, ed25519) or an imported one (<c>Key</c>: PEM, base64).</summary>
internal sealed record SigningKeyRequest(string Name, string? Algorithm, string? Key, string? Comment);

/// <summary>A DKIM profile's rotation: the new selector and the signing key it signs with.</summary>
internal sealed record DkimRotationRequest(string Selector, string Key);
