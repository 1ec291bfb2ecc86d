using System.Security.Cryptography.X509Certificates;
using Gatehouse.ClusterManager.Access;
using Gatehouse.ClusterManager.Certificates;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Views;

namespace Gatehouse.ClusterManager.Api;

/// <summary>Certificate management (SPEC section 2); each change is staged until commit.</summary>
internal static class CertificateEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/certificates", async (CertificateService certificates) => Results.Json(await certificates.ListAsync(), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapPost("/certificates/selfsigned", async (HttpContext context, CertificateService certificates) =>
        {
            var r = await AdminApi.Read<SelfSignedRequest>(context);
            var subject = new CertificateSubject(r.CommonName, r.Organization, r.OrganizationalUnit, r.City, r.State, r.Country, r.DnsNames ?? []);
            await certificates.CreateSelfSignedAsync(r.Name, r.Machine, subject, KeySpec.Parse(r.KeyType), r.Days, r.CheckFqdn, AdminTokenHandler.Actor(context));
            return Results.NoContent();
        });

        api.MapGet("/certificates/{name}/csr", async (string name, string? machine, CertificateService certificates) =>
            Results.Json(new CsrResponse(await certificates.CsrAsync(name, machine)), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapPost("/certificates/{name}/renew", async (string name, HttpContext context, CertificateService certificates) =>
        {
            var r = await AdminApi.Read<RenewRequest>(context);
            return Results.Json(new CsrResponse(await certificates.RenewAsync(name, r.Machine, r.NewKey, AdminTokenHandler.Actor(context))), AdminApi.Json);
        });

        api.MapPost("/certificates/{name}/signed", async (string name, HttpContext context, CertificateService certificates) =>
        {
            var r = await AdminApi.Read<SignedCertificateRequest>(context);
            var notes = await certificates.UploadSignedAsync(name, r.Machine, Base64(r.Certificate),
                r.Intermediates is null ? null : Base64(r.Intermediates), AdminTokenHandler.Actor(context));
            return Results.Json(new NotesResponse(notes), AdminApi.Json);
        });

        api.MapPost("/certificates/pkcs12", async (HttpContext context, CertificateService certificates) =>
        {
            var r = await AdminApi.Read<Pkcs12ImportRequest>(context);
            var notes = await certificates.ImportPkcs12Async(r.Name, r.Machine, Base64(r.Data), r.Password, r.Replace, AdminTokenHandler.Actor(context));
            return Results.Json(new NotesResponse(notes), AdminApi.Json);
        });

        api.MapPost("/certificates/pem", async (HttpContext context, CertificateService certificates) =>
        {
            var r = await AdminApi.Read<PemImportRequest>(context);
            var notes = await certificates.ImportPemAsync(r.Name, r.Machine, Base64(r.Certificate), r.PrivateKey, r.Passphrase, r.Replace, AdminTokenHandler.Actor(context));
            return Results.Json(new NotesResponse(notes), AdminApi.Json);
        });

        api.MapPost("/certificates/{name}/export", async (string name, HttpContext context, CertificateService certificates) =>
        {
            var r = await AdminApi.Read<ExportPkcs12Request>(context);
            return Results.Json(new Pkcs12Response(Convert.ToBase64String(await certificates.ExportPkcs12Async(name, r.Machine, r.Password, AdminTokenHandler.Actor(context)))), AdminApi.Json);
        });

        api.MapDelete("/certificates/{name}", async (string name, string? machine, HttpContext context, CertificateService certificates) =>
        {
            await certificates.DeleteAsync(name, machine, AdminTokenHandler.Actor(context));
            return Results.NoContent();
        });

        api.MapGet("/tlscheck/inbound/{domain}", async (string domain, string? dns_server, InboundTlsCheck check) =>
            Results.Json(await check.RunAsync(domain, dns_server), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapGet("/trusted-cas", async (string? machine, CertificateService certificates) =>
        {
            var cas = await certificates.TrustedCasAsync(machine);
            var subjects = cas.CustomPem.Select(p =>
            {
                using var ca = X509Certificate2.CreateFromPem(p);
                return $"{ca.Subject} (expires {ca.NotAfter.ToUniversalTime():yyyy-MM-dd})";
            }).ToList();
            return Results.Json(new TrustedCasView(cas.SystemBundleEnabled, subjects, System.Text.Encoding.ASCII.GetString(CaBundle.Write(cas.CustomPem))), AdminApi.Json);
        }).For(ApiRole.ReadOnly);

        api.MapPut("/trusted-cas/system", async (HttpContext context, CertificateService certificates) =>
        {
            var r = await AdminApi.Read<SystemCasRequest>(context);
            await certificates.SetSystemCasAsync(r.Machine, r.Enabled, AdminTokenHandler.Actor(context));
            return Results.NoContent();
        });

        api.MapPut("/trusted-cas/custom", async (HttpContext context, CertificateService certificates) =>
        {
            var r = await AdminApi.Read<CustomCasRequest>(context);
            return Results.Json(new { imported = await certificates.ImportCustomCasAsync(r.Machine, Base64(r.Bundle), AdminTokenHandler.Actor(context)) }, AdminApi.Json);
        });

        api.MapGet("/trusted-cas/crls", async (string? machine, RevocationLists crls) => Results.Json(await crls.ListAsync(machine), AdminApi.Json)).For(ApiRole.ReadOnly);

        api.MapPost("/trusted-cas/crls", async (HttpContext context, RevocationLists crls) =>
        {
            var r = await AdminApi.Read<RevocationListRequest>(context);
            return Results.Json(await crls.ImportAsync(r.Machine, Base64(r.List), AdminTokenHandler.Actor(context)), AdminApi.Json);
        });

        api.MapDelete("/trusted-cas/crls", async (string issuer, string? machine, HttpContext context, RevocationLists crls) =>
        {
            await crls.RemoveAsync(machine, issuer, AdminTokenHandler.Actor(context));
            return Results.NoContent();
        });
    }

    private static byte[] Base64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new ChangeRejectedException("file contents must be sent as base64");
        }
    }
}
