using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Gatehouse.Cluster.Membership;

/// <summary>
/// A join token as printed by <c>token create</c>: <c>gh1.ID.SECRET.PIN</c>. The id finds the
/// record, the secret proves possession (only its hash is stored), the pin names the CA.
/// </summary>
public sealed record JoinToken(string Id, string Secret, string CaPin)
{
    private const string Prefix = "gh1";

    public static JoinToken Create(string caPin) =>
        new(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)),
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            caPin);

    public string SecretHash => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(Secret)));

    public override string ToString() => $"{Prefix}.{Id}.{Secret}.{CaPin}";

    public static bool TryParse(string text, [NotNullWhen(true)] out JoinToken? token)
    {
        var parts = text.Trim().Split('.');
        token = parts.Length == 4 && parts[0] == Prefix && parts.Skip(1).All(IsHex) && parts[3].Length == 64
            ? new JoinToken(parts[1], parts[2], parts[3])
            : null;
        return token is not null;
    }

    private static bool IsHex(string part) => part.Length > 0 && part.All(char.IsAsciiHexDigitLower);
}
