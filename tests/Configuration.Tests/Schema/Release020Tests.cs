using Gatehouse.Configuration.Schema;

namespace Gatehouse.Configuration.Tests.Schema;

/// <summary>What a 0.2 node knows stays what it was; the schema only gains settings.</summary>
public sealed class Release020Tests
{
    [Fact]
    public void Every_setting_release_0_2_knew_is_still_known_and_the_0_3_settings_are_not_among_them()
    {
        Assert.True(Release020.KnownSettings.Count > 100, $"{Release020.KnownSettings.Count} settings read");
        Assert.Empty(Release020.KnownSettings.Except(SettingNames.Known));
        Assert.Superset(
            new HashSet<string>(["gatehouse.cluster.v1.HttpsService.client_ca_pem", "gatehouse.cluster.v1.Listener.tls_policy", "gatehouse.cluster.v1.TlsPolicy.tls12_cipher_suites"]),
            SettingNames.Known.Except(Release020.KnownSettings).ToHashSet());
    }
}
