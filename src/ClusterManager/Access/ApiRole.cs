namespace Gatehouse.ClusterManager.Access;

/// <summary>
/// What an admin API caller may do, each role including the ones before it: <c>read-only</c>
/// reads configuration, status, tracking, history and audit; <c>operator</c> adds staging and
/// committing changes and queue control; <c>admin</c> adds keys and certificates, trusted CAs,
/// node removal, join and API tokens, and exports with keys. The token of <c>DATA/admin.token</c> is admin.
/// </summary>
internal enum ApiRole
{
    ReadOnly = 1,
    Operator = 2,
    Admin = 3,
}

internal static class ApiRoles
{
    public static IReadOnlyList<ApiRole> All { get; } = [ApiRole.ReadOnly, ApiRole.Operator, ApiRole.Admin];

    public static string Name(this ApiRole role) => role switch
    {
        ApiRole.ReadOnly => "read-only",
        ApiRole.Operator => "operator",
        _ => "admin",
    };

    public static ApiRole? Parse(string? name) => All.Cast<ApiRole?>().FirstOrDefault(r => r!.Value.Name() == name);

    /// <summary>The authorization policy an endpoint for this role requires.</summary>
    public static string Policy(this ApiRole role) => $"api-{role.Name()}";

    /// <summary>Marks an endpoint as open to this role and those above it.</summary>
    public static TBuilder For<TBuilder>(this TBuilder builder, ApiRole role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiRoleMetadata(role)).RequireAuthorization(role.Policy());
}

/// <summary>The least role an endpoint needs; an API endpoint without it needs admin.</summary>
internal sealed record ApiRoleMetadata(ApiRole Role);
