using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Configuration.Matching;

/// <summary>
/// Certificate name matching (RFC 6125): the SAN DNS names when there are any, else the
/// Common Name; a wildcard covers exactly the left-most label.
/// </summary>
public static class HostNames
{
    public static IReadOnlyList<string> Of(X509Certificate2 certificate)
    {
        var sans = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
        if (sans.Count > 0)
        {
            return sans;
        }

        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, false);
        return string.IsNullOrEmpty(commonName) ? [] : [commonName];
    }

    public static bool Matches(X509Certificate2 certificate, string host) => Of(certificate).Any(name => Matches(name, host));

    public static bool Matches(string pattern, string host)
    {
        pattern = pattern.TrimEnd('.');
        host = host.TrimEnd('.');
        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
        }

        var dot = host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && string.Equals(pattern[1..], host[dot..], StringComparison.OrdinalIgnoreCase);
    }
}
