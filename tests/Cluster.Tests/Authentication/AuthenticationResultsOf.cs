namespace Gatehouse.Cluster.Tests.Authentication;

/// <summary>The Authentication-Results header a node added to a message smtp-sink received.</summary>
internal static class AuthenticationResultsOf
{
    /// <summary>The value of the one Authentication-Results header with <paramref name="authservId"/>, unfolded.</summary>
    public static string Node(string delivered, string authservId)
    {
        var unfolded = delivered.ReplaceLineEndings("\n").Replace("\n\t", " ", StringComparison.Ordinal).Replace("\n ", " ", StringComparison.Ordinal);
        return Assert.Single(unfolded.Split('\n'), l => l.StartsWith($"Authentication-Results: {authservId};", StringComparison.OrdinalIgnoreCase))["Authentication-Results: ".Length..];
    }
}
