using System.Text;
using Gatehouse.Node.Scanning.Milter;

namespace Gatehouse.Node.Tests.Scanning;

public sealed class MilterWireTests
{
    [Fact]
    public void A_nul_inside_a_string_cannot_make_a_macro_of_the_clients_choosing()
    {
        var pairs = MilterWire.Terminated(Encoding.UTF8, "{cert_subject}", "CN=x\0{auth_authen}\0admin", "i", "7");

        Assert.Equal("{cert_subject}\0CN=x{auth_authen}admin\0i\07\0", Encoding.UTF8.GetString(pairs));
    }

    [Fact]
    public async Task A_packet_longer_than_the_bound_or_empty_is_refused_before_it_is_read()
    {
        foreach (var length in new uint[] { 0, MilterWire.MaxPacketBytes + 2 })
        {
            var bytes = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, length);
            var wire = new MilterWire(new MemoryStream(bytes));
            await Assert.ThrowsAsync<IOException>(() => wire.ReadAsync(CancellationToken.None));
        }
    }
}
