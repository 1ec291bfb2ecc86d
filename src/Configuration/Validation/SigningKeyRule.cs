using Gatehouse.Configuration.Dkim;
using Gatehouse.Configuration.Merge;

namespace Gatehouse.Configuration.Validation;

/// <summary>A signing key is a readable RSA (1024 bits or more) or Ed25519 key, of the algorithm it says.</summary>
public sealed class SigningKeyRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        foreach (var entry in config.Config.SigningKeys)
        {
            var path = $"signing_keys[{entry.Name}]";
            try
            {
                var key = DkimKey.Read(entry.PrivateKeyPem);
                if (entry.Algorithm != key.Algorithm)
                {
                    errors.Add($"{path}.algorithm", $"is '{entry.Algorithm}' but the key is {key.Algorithm}");
                }
            }
            catch (FormatException e)
            {
                errors.Add($"{path}.private_key_pem", e.Message);
            }
        }
    }
}
