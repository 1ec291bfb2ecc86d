using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Gatehouse.ClusterManager.Acme;

/// <summary>
/// The flattened JWS of an ACME request (RFC 8555 §6.2), signed ES256 with the account's P-256
/// key: the key itself (<c>jwk</c>) before the account exists, its URL (<c>kid</c>) after;
/// the server's nonce and the request's URL in the protected header.
/// </summary>
internal static class AcmeJws
{
    /// <param name="payload">The request's JSON; null for POST-as-GET (an empty payload).</param>
    public static string Sign(ECDsa key, string url, string nonce, string? kid, JsonNode? payload)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["nonce"] = nonce, ["url"] = url };
        if (kid is null)
        {
            header["jwk"] = Jwk(key);
        }
        else
        {
            header["kid"] = kid;
        }

        var protectedPart = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString()));
        var payloadPart = payload is null ? "" : Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        // IEEE P1363 (r || s), as JWS wants ES256 signatures.
        var signature = key.SignData(Encoding.ASCII.GetBytes($"{protectedPart}.{payloadPart}"), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new JsonObject { ["protected"] = protectedPart, ["payload"] = payloadPart, ["signature"] = Base64Url(signature) }.ToJsonString();
    }

    /// <summary>
    /// External Account Binding (§7.3.4): the account key, as a JWK, signed HS256 with the MAC key
    /// the CA gave the administrator under <paramref name="keyId"/>.
    /// </summary>
    public static JsonObject ExternalAccountBinding(ECDsa accountKey, string keyId, byte[] macKey, string newAccountUrl)
    {
        var header = new JsonObject { ["alg"] = "HS256", ["kid"] = keyId, ["url"] = newAccountUrl };
        var protectedPart = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString()));
        var payloadPart = Base64Url(Encoding.UTF8.GetBytes(Jwk(accountKey).ToJsonString()));
        var signature = HMACSHA256.HashData(macKey, Encoding.ASCII.GetBytes($"{protectedPart}.{payloadPart}"));
        return new JsonObject { ["protected"] = protectedPart, ["payload"] = payloadPart, ["signature"] = Base64Url(signature) };
    }

    /// <summary>
    /// The inner JWS of a key change (§7.3.5): the new key signs the account URL and the old key,
    /// so that the CA knows both holders agree.
    /// </summary>
    public static JsonObject KeyChange(ECDsa newKey, ECDsa oldKey, string account, string keyChangeUrl)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["jwk"] = Jwk(newKey), ["url"] = keyChangeUrl };
        var protectedPart = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString()));
        var payloadPart = Base64Url(Encoding.UTF8.GetBytes(new JsonObject { ["account"] = account, ["oldKey"] = Jwk(oldKey) }.ToJsonString()));
        var signature = newKey.SignData(Encoding.ASCII.GetBytes($"{protectedPart}.{payloadPart}"), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return new JsonObject { ["protected"] = protectedPart, ["payload"] = payloadPart, ["signature"] = Base64Url(signature) };
    }

    /// <summary>The public key as a JWK, members in the order RFC 7638 hashes them.</summary>
    public static JsonObject Jwk(ECDsa key)
    {
        var point = key.ExportParameters(includePrivateParameters: false).Q;
        return new JsonObject { ["crv"] = "P-256", ["kty"] = "EC", ["x"] = Base64Url(point.X!), ["y"] = Base64Url(point.Y!) };
    }

    /// <summary>RFC 7638 thumbprint: what a key authorization ends with (RFC 8555 §8.1).</summary>
    public static string Thumbprint(ECDsa key) =>
        Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes(Jwk(key).ToJsonString())));

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
