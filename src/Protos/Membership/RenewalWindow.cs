using System.Security.Cryptography.X509Certificates;

namespace Gatehouse.Cluster.Membership;

/// <summary>
/// When a node certificate may be renewed: once two thirds of its lifetime have passed (eight
/// months before a two-year certificate ends, so a long outage still leaves time). The node
/// asks then, and the manager signs nothing earlier, so a node cannot mint certificates at will.
/// </summary>
public static class RenewalWindow
{
    public static bool IsOpen(X509Certificate2 certificate, DateTimeOffset now) =>
        now >= certificate.NotBefore.ToUniversalTime() + ((certificate.NotAfter - certificate.NotBefore) * 2 / 3);
}
