using System.Xml.Linq;
using Gatehouse.ClusterManager.Secrets;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Gatehouse.ClusterManager.Hosting;

/// <summary>
/// Seals each GUI cookie key with the manager's secrets key before it is stored (AES-256-GCM,
/// bound to its place like every stored secret). The replicas of one cluster share that key,
/// so each reads the others' keys.
/// </summary>
internal sealed class CookieKeyEncryptor(SecretBox secrets) : IXmlEncryptor
{
    public const string Place = "data-protection-keys";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement) =>
        new(new XElement("sealed", secrets.SealText(Place, plaintextElement.ToString(SaveOptions.DisableFormatting))), typeof(CookieKeyDecryptor));
}

/// <summary>Opens a key <see cref="CookieKeyEncryptor"/> sealed; made by the data protection system by its type name.</summary>
internal sealed class CookieKeyDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement) =>
        XElement.Parse(services.GetRequiredService<SecretBox>().OpenText(CookieKeyEncryptor.Place, encryptedElement.Value));
}
