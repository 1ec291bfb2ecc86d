using System.Security.Cryptography.X509Certificates;
using Gatehouse.Configuration.Matching;

namespace Gatehouse.ClusterManager.Certificates;

/// <summary>The subject fields and DNS names of a certificate to create (CERT-2).</summary>
internal sealed record CertificateSubject(
    string CommonName, string? Organization, string? OrganizationalUnit, string? City, string? State, string? Country,
    IReadOnlyList<string> DnsNames)
{
    /// <summary>Every problem with the fields; with <paramref name="checkFqdn"/>, names must be fully qualified.</summary>
    public IReadOnlyList<string> Problems(bool checkFqdn)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(CommonName))
        {
            problems.Add("the Common Name is required");
        }

        if (Country is { Length: > 0 } country && !CountryCodes.All.Contains(country))
        {
            problems.Add($"country '{country}' is not an ISO 3166 two-letter code (e.g. US, DE, ES)");
        }

        foreach (var name in DnsNames.Where(n => !HostNameSyntax.IsValid(n.TrimStart('*', '.'))))
        {
            problems.Add($"'{name}' is not a DNS name");
        }

        if (checkFqdn)
        {
            foreach (var name in DnsNames.Prepend(CommonName ?? "").Where(n => n.Length > 0 && !IsFqdn(n)))
            {
                problems.Add($"'{name}' is not a fully qualified domain name");
            }
        }

        return problems;
    }

    public X500DistinguishedName Build()
    {
        var builder = new X500DistinguishedNameBuilder();
        if (Country is { Length: > 0 })
        {
            builder.AddCountryOrRegion(Country);
        }

        AddIfSet(State, builder.AddStateOrProvinceName);
        AddIfSet(City, builder.AddLocalityName);
        AddIfSet(Organization, builder.AddOrganizationName);
        AddIfSet(OrganizationalUnit, builder.AddOrganizationalUnitName);
        builder.AddCommonName(CommonName);
        return builder.Build();
    }

    /// <summary>The SAN extension: the DNS names, or the Common Name when none are given.</summary>
    public X509Extension SubjectAlternativeNames()
    {
        var names = new SubjectAlternativeNameBuilder();
        foreach (var name in DnsNames.Count > 0 ? DnsNames : [CommonName])
        {
            names.AddDnsName(name);
        }

        return names.Build();
    }

    private static bool IsFqdn(string name) =>
        HostNameSyntax.IsValid(name.TrimStart('*', '.')) && name.TrimEnd('.').Contains('.', StringComparison.Ordinal);

    private static void AddIfSet(string? value, Action<string> add)
    {
        if (!string.IsNullOrWhiteSpace(value))
        {
            add(value);
        }
    }
}
