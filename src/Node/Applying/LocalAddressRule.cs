using System.Net;
using System.Net.Sockets;
using Gatehouse.Configuration.Merge;
using Gatehouse.Configuration.Validation;

namespace Gatehouse.Node.Applying;

/// <summary>
/// A check only the node can make: each IP interface's address exists on this host. The
/// manager cannot know; the node refuses (NACKs) a snapshot that names a foreign address.
/// </summary>
internal sealed class LocalAddressRule : IConfigRule
{
    public void Check(EffectiveConfig config, ValidationErrors errors)
    {
        foreach (var iface in config.Config.IpInterfaces)
        {
            if (IPAddress.TryParse(iface.Address, out var address) && !IsLocal(address))
            {
                errors.Add($"ip_interfaces[{iface.Name}].address", $"{address} is not an address of this host");
            }
        }
    }

    // Binding to port 0 succeeds only for an address this host owns; nothing is sent.
    private static bool IsLocal(IPAddress address)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
