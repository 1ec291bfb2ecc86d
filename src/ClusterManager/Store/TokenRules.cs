using System.Security.Cryptography;
using System.Text;
using Gatehouse.Manager.V1;

namespace Gatehouse.ClusterManager.Store;

/// <summary>When a join token may be used; shared by every store so they agree.</summary>
internal static class TokenRules
{
    public static TokenUse Judge(JoinTokenRecord? token, string secretHash, DateTimeOffset now)
    {
        if (token is null || !CryptographicOperations.FixedTimeEquals(
                Encoding.ASCII.GetBytes(token.SecretHash), Encoding.ASCII.GetBytes(secretHash)))
        {
            return TokenUse.Unknown;
        }

        if (token.Used)
        {
            return TokenUse.AlreadyUsed;
        }

        return token.ExpiresAt.ToDateTimeOffset() <= now ? TokenUse.Expired : TokenUse.Accepted;
    }
}
