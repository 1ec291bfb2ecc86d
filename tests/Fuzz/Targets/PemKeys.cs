using System.Text;
using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Certificates;

namespace Gatehouse.Fuzz.Targets;

/// <summary>A private key file as <c>certconfig paste</c> reads it, with and without a passphrase.</summary>
internal sealed class PemKeys : FuzzTarget
{
    public override string Name => "pem-keys";

    public override void Run(byte[] input)
    {
        var pem = Encoding.UTF8.GetString(input);
        foreach (var passphrase in new[] { null, "passphrase" })
        {
            try
            {
                PrivateKeys.Load(pem, passphrase).Dispose();
            }
            catch (ChangeRejectedException)
            {
                // The clear error for a key that is not one, or not readable with this passphrase.
            }
        }
    }
}
