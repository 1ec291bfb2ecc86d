using Gatehouse.ClusterManager.ClusterConfig;
using Gatehouse.ClusterManager.Certificates;

namespace Gatehouse.Fuzz.Targets;

/// <summary>A PKCS#12 file as <c>certconfig import</c> reads it (.NET first, BouncyCastle for legacy files).</summary>
internal sealed class Pkcs12Imports : FuzzTarget
{
    public override string Name => "pkcs12";

    public override void Run(byte[] input)
    {
        try
        {
            Pkcs12Files.Import(input, "password");
        }
        catch (ChangeRejectedException)
        {
            // The clear error for a damaged file or a wrong password.
        }
    }
}
