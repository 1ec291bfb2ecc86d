using System.Net;
using System.Net.Sockets;

namespace Gatehouse.Harness;

/// <summary>Picks a TCP port nobody listens on, for one process under test.</summary>
public static class FreePort
{
    public static int On(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool Accepts(IPEndPoint endpoint)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(endpoint);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
