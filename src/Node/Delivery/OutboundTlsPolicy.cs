using Gatehouse.Cluster.V1;
using MailKit.Security;

namespace Gatehouse.Node.Delivery;

/// <summary>What each outbound TLS mode of a destination control asks for (OUT-3).</summary>
internal static class OutboundTlsPolicy
{
    public static bool Attempts(OutboundTls mode) => mode is not (OutboundTls.None or OutboundTls.Unspecified);

    public static bool Requires(OutboundTls mode) => mode is OutboundTls.Required or OutboundTls.RequiredVerify;

    public static bool Verifies(OutboundTls mode) => mode is OutboundTls.PreferredVerify or OutboundTls.RequiredVerify;

    public static SecureSocketOptions SocketOptions(OutboundTls mode) =>
        Requires(mode) ? SecureSocketOptions.StartTls
        : Attempts(mode) ? SecureSocketOptions.StartTlsWhenAvailable
        : SecureSocketOptions.None;

    /// <summary>The mode as the appliance's GUI writes it.</summary>
    public static string Name(OutboundTls mode) => mode switch
    {
        OutboundTls.Preferred => "Preferred",
        OutboundTls.Required => "Required",
        OutboundTls.PreferredVerify => "Preferred (Verify)",
        OutboundTls.RequiredVerify => "Required (Verify)",
        _ => "None",
    };
}
