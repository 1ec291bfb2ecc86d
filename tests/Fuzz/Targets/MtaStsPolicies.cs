using System.Text;
using Gatehouse.Cluster.MtaSts;

namespace Gatehouse.Fuzz.Targets;

/// <summary>An MTA-STS policy file as a domain's HTTPS server serves it (RFC 8461 §3.2).</summary>
internal sealed class MtaStsPolicies : FuzzTarget
{
    public override string Name => "mta-sts-policy";

    public override void Run(byte[] input)
    {
        try
        {
            MtaStsPolicy.Parse(Encoding.UTF8.GetString(input), "20260101", DateTimeOffset.UnixEpoch);
        }
        catch (FormatException)
        {
            // The clear error for a policy that is not one.
        }
    }
}
