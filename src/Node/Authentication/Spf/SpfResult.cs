namespace Gatehouse.Node.Authentication.Spf;

/// <summary>The results of check_host() (RFC 7208 section 2.6).</summary>
internal enum SpfResult
{
    None,
    Neutral,
    Pass,
    Fail,
    SoftFail,
    TempError,
    PermError,
}

/// <summary>A check_host() result, with the domain's explanation on a fail and what led to it.</summary>
internal sealed record SpfOutcome(SpfResult Result, string Reason, string? Explanation = null)
{
    /// <summary>The RFC 8601 name: pass, fail, softfail, neutral, none, temperror, permerror.</summary>
    public string Name => Result.ToString().ToLowerInvariant();

    /// <summary>
    /// The method's part of an Authentication-Results header: the MAIL FROM domain checked, or
    /// the HELO name when MAIL FROM was empty, when it has the syntax of a domain.
    /// </summary>
    public string AuthenticationResult(string mailFrom, string helo)
    {
        var (property, domain) = mailFrom.Length == 0 ? ("smtp.helo", helo) : ("smtp.mailfrom", mailFrom[(mailFrom.LastIndexOf('@') + 1)..]);
        return Configuration.Matching.HostNameSyntax.IsValid(domain) ? $"spf={Name} {property}={domain.ToLowerInvariant()}" : $"spf={Name}";
    }
}
