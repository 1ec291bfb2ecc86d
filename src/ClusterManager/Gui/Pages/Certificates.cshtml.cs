using System.Security.Cryptography.X509Certificates;
using Gatehouse.ClusterManager.Certificates;
using Gatehouse.ClusterManager.ClusterConfig;
using Microsoft.AspNetCore.Mvc;

namespace Gatehouse.ClusterManager.Gui.Pages;

internal sealed record SelfSignedForm
{
    public string Name { get; init; } = "";

    public string CommonName { get; init; } = "";

    public string? Organization { get; init; }

    public string? OrganizationalUnit { get; init; }

    public string? City { get; init; }

    public string? State { get; init; }

    public string? Country { get; init; }

    public string? DnsNames { get; init; }

    public int Days { get; init; } = 365;

    public string KeyType { get; init; } = "rsa2048";

    public bool CheckFqdn { get; init; } = true;
}

/// <summary>Network &gt; Certificates: the same operations as <c>certconfig</c> and the REST API.</summary>
internal sealed class CertificatesModel : GuiPage
{
    public IReadOnlyList<CertificateRow> Rows { get; private set; } = [];

    public static IReadOnlyList<string> KeyTypes => [.. KeySpec.All.Select(k => k.Name)];

    public SelfSignedForm Form { get; private set; } = new();

    public bool SystemCas { get; private set; }

    public IReadOnlyList<string> CustomCas { get; private set; } = [];

    public string? CreateError { get; private set; }

    public string? UploadError { get; private set; }

    public string? ImportError { get; private set; }

    public string? ExportError { get; private set; }

    private CertificateService Certificates => HttpContext.RequestServices.GetRequiredService<CertificateService>();

    public Task OnGetAsync() => LoadAsync();

    public async Task<IActionResult> OnGetCsrAsync(string name)
    {
        try
        {
            var csr = await Certificates.CsrAsync(name, Machine);
            return File(System.Text.Encoding.ASCII.GetBytes(csr), "application/pkcs10", $"{name}.csr");
        }
        catch (ChangeRejectedException e)
        {
            Problem = e.Message;
            await LoadAsync();
            return Page();
        }
    }

    public async Task<IActionResult> OnPostRenewAsync(string name)
    {
        try
        {
            var csr = await Certificates.RenewAsync(name, Machine, newKey: true, Actor);
            return File(System.Text.Encoding.ASCII.GetBytes(csr), "application/pkcs10", $"{name}-renewal.csr");
        }
        catch (ChangeRejectedException e)
        {
            Problem = $"{e.Message} Nothing was changed.";
            await LoadAsync();
            return Page();
        }
    }

    public async Task<IActionResult> OnPostDeleteAsync(string name) =>
        await Attempt(
            async () =>
            {
                await Certificates.DeleteAsync(name, Machine, Actor);
                return $"Certificate {name} deleted (staged).";
            },
            error => Problem = error);

    public async Task<IActionResult> OnPostCreateAsync([FromForm] SelfSignedForm form)
    {
        Form = form;
        return await Attempt(
            async () =>
            {
                // An empty field arrives as null.
                var subject = new CertificateSubject(form.CommonName ?? "", form.Organization, form.OrganizationalUnit, form.City, form.State, form.Country,
                    [.. (form.DnsNames ?? "").Split('\n').Select(n => n.Trim()).Where(n => n.Length > 0)]);
                await Certificates.CreateSelfSignedAsync(form.Name ?? "", Machine, subject, KeySpec.Parse(form.KeyType), form.Days, form.CheckFqdn, Actor);
                return $"Certificate {form.Name} created (staged). Download its CSR to have it signed, or commit to use it self-signed.";
            },
            error => CreateError = error);
    }

    public async Task<IActionResult> OnPostUploadAsync(string name, IFormFile? certificate, IFormFile? intermediates) =>
        await Attempt(
            async () =>
            {
                var leaf = await BytesAsync(certificate) ?? throw new ChangeRejectedException("choose the signed certificate file");
                var notes = await Certificates.UploadSignedAsync(name, Machine, leaf, await BytesAsync(intermediates), Actor);
                return $"Signed certificate for {name} uploaded (staged).{(notes.Count == 0 ? "" : " " + string.Join(" ", notes))}";
            },
            error => UploadError = error);

    public async Task<IActionResult> OnPostImportAsync(string name, IFormFile? file, string? password, bool replace) =>
        await Attempt(
            async () =>
            {
                var data = await BytesAsync(file) ?? throw new ChangeRejectedException("choose the PKCS#12 file");
                var notes = await Certificates.ImportPkcs12Async(name ?? "", Machine, data, password ?? "", replace, Actor);
                return $"Certificate {name} imported (staged).{(notes.Count == 0 ? "" : " " + string.Join(" ", notes))}";
            },
            error => ImportError = error);

    public async Task<IActionResult> OnPostExportAsync(string name, string? password)
    {
        try
        {
            var data = await Certificates.ExportPkcs12Async(name, Machine, password ?? "", Actor);
            return File(data, "application/x-pkcs12", $"{name}.p12");
        }
        catch (ChangeRejectedException e)
        {
            ExportError = e.Message;
            await LoadAsync();
            return Page();
        }
    }

    public async Task<IActionResult> OnPostTrustedCasAsync(bool system, IFormFile? bundle) =>
        await Attempt(
            async () =>
            {
                await Certificates.SetSystemCasAsync(Machine, system, Actor);
                var added = await BytesAsync(bundle) is { } pem ? await Certificates.ImportCustomCasAsync(Machine, pem, Actor) : 0;
                return $"Trusted CA lists staged{(added > 0 ? $" ({added} CA certificates added)" : "")}.";
            },
            error => Problem = error);

    private async Task<IActionResult> Attempt(Func<Task<string>> change, Action<string> onError)
    {
        try
        {
            Notice = await change();
            return RedirectToPage();
        }
        catch (Exception e) when (e is ChangeRejectedException or System.Security.Cryptography.CryptographicException)
        {
            onError($"{e.Message} Nothing was changed.");
            await LoadAsync();
            return Page();
        }
    }

    private static async Task<byte[]?> BytesAsync(IFormFile? file)
    {
        if (file is null || file.Length == 0)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    protected override async Task LoadAsync()
    {
        var level = Machine is null ? "cluster" : $"machine {Machine}";
        Rows = [.. (await Certificates.ListAsync()).Where(r => r.Level == "cluster" || r.Level == level || r.Level == Machine)];
        var trusted = await Certificates.TrustedCasAsync(Machine);
        SystemCas = trusted.SystemBundleEnabled;
        CustomCas = [.. trusted.CustomPem.Select(pem => X509Certificate2.CreateFromPem(pem).GetNameInfo(X509NameType.SimpleName, false))];
    }
}
