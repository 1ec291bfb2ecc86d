using System.Text;
using Gatehouse.Node.Delivery.DomainPolicies;

namespace Gatehouse.Fuzz.Targets;

/// <summary>A domain's <c>_smtp._tls</c> TXT record (RFC 8460 §3).</summary>
internal sealed class TlsRptRecords : FuzzTarget
{
    public override string Name => "tlsrpt-record";

    public override void Run(byte[] input)
    {
        try
        {
            TlsRptRecord.Parse(Encoding.UTF8.GetString(input));
        }
        catch (FormatException)
        {
            // The clear error for a record that is not one.
        }
    }
}
