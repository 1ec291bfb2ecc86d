using System.Net;
using Gatehouse.Harness;

namespace Gatehouse.Benchmarks.RelayLoad;

/// <summary>
/// How a Postfix relay signs and checks mail: OpenDKIM signing with the key the node signs with
/// (<c>--dkim</c>), or OpenDKIM verifying followed by OpenDMARC (<c>--verify</c>). Each relay has
/// milters of its own; their CPU counts as the relay's. OpenDKIM reads the sender's key from a
/// file, so it is spared the DNS query the node makes (and caches): that only favours Postfix.
/// </summary>
internal sealed class PostfixMilters(IReadOnlyList<Milter> milters) : IAsyncDisposable
{
    /// <summary>Postfix's <c>smtpd_milters</c>: OpenDKIM first, so that OpenDMARC reads its results.</summary>
    public string Sockets => string.Join(", ", milters.Select(m => m.Socket));

    public IReadOnlyList<int> ProcessIds => [.. milters.Select(m => m.ProcessId)];

    public static async Task<PostfixMilters> SigningAsync(string work, string keyPem, string algorithm) =>
        new([await Milter.OpenDkimSigningAsync(work, "sender.test", "bench", keyPem, algorithm == "ed25519" ? "ed25519-sha256" : "rsa-sha256")]);

    public static async Task<PostfixMilters> VerifyingAsync(string work, IPEndPoint dns, (string Name, string Record) publicKey, string authservId) =>
        new([await Milter.OpenDkimVerifyingAsync(work, authservId, publicKey), await Milter.OpenDmarcAsync(work, dns, authservId)]);

    public async ValueTask DisposeAsync()
    {
        foreach (var milter in milters)
        {
            await milter.DisposeAsync();
        }
    }
}
