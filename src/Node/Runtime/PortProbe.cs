using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Node.Runtime;

/// <summary>Whether this host could listen on an endpoint now: checked before a version that needs it is applied.</summary>
internal static class PortProbe
{
    /// <summary>Null when the endpoint can be bound; otherwise why not.</summary>
    public static string? CannotListen(IPEndPoint endpoint)
    {
        try
        {
            using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(endpoint);
            return null;
        }
        catch (SocketException e)
        {
            return $"cannot listen on {endpoint}: {e.Message}";
        }
    }
}
