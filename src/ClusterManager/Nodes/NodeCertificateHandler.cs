using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Gatehouse.ClusterManager.Nodes;

/// <summary>
/// A node's caller identity: a TLS client certificate issued by the cluster CA for client use
/// (CL-9). Membership (removed, replaced) is checked by <see cref="NodeAuthenticator"/> so that
/// a refused node is told why. A refusal is answered as a gRPC status, which the node reads.
/// </summary>
internal sealed class NodeCertificateHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ClusterCa ca)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "NodeCertificate";
    private const string Missing = "a node certificate is required; join the cluster first";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var certificate = Context.Connection.ClientCertificate;
        if (certificate is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!ca.IssuedToNode(certificate))
        {
            return Task.FromResult(AuthenticateResult.Fail(certificate.NotAfter.ToUniversalTime() < TimeProvider.GetUtcNow().UtcDateTime
                ? $"the node certificate expired on {certificate.NotAfter.ToUniversalTime():u}; join the cluster again"
                : "the node certificate is not signed by this cluster's CA"));
        }

        var name = certificate.GetNameInfo(X509NameType.SimpleName, false);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.SerialNumber, certificate.SerialNumber)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        WriteGrpcStatus(16, result.Failure?.Message ?? Missing); // UNAUTHENTICATED
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        WriteGrpcStatus(7, "this caller may not use the node service"); // PERMISSION_DENIED
        return Task.CompletedTask;
    }

    // A trailers-only gRPC answer, so the node sees the reason and not a bare HTTP status.
    private void WriteGrpcStatus(int status, string message)
    {
        Response.StatusCode = 200;
        Response.ContentType = "application/grpc";
        Response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
    }
}
