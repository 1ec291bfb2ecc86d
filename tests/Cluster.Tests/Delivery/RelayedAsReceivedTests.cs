using System.Text;
using Gatehouse.Cluster.Tests.Fixtures;

namespace Gatehouse.Cluster.Tests.Delivery;

/// <summary>
/// A relay passes a message on as it came: Postfix's smtp-sink receives, after the node's own
/// Received line, the very bytes swaks sent, and MAIL FROM says BODY=8BITMIME exactly when they
/// hold 8-bit bytes (declared by their content, not by a Content-Transfer-Encoding header).
/// </summary>
[Collection("delivery")]
public sealed class RelayedAsReceivedTests(DeliveryFixture fixture)
{
    [Fact]
    public async Task Odd_shapes_and_8bit_bytes_reach_the_receiver_unchanged_and_8bit_is_declared()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var eightBit = $"From: a@bounces.test\r\nSubject: as received {tag} 8bit\r\nX-Odd:no-space\r\n\tfolded on\r\n\r\n.leading dot\r\ncaf\u00e9 \u00fcber, no Content-Transfer-Encoding\r\n\r\n";
        var sevenBit = $"From: a@bounces.test\r\nSubject: as received {tag} 7bit\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\npreamble  \r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\nnot=base64!!\r\n--b--\r\n";

        foreach (var data in new[] { eightBit, sevenBit })
        {
            var file = Path.Combine(fixture.Cluster.Root, $"as-received-{tag}-{data.Length}.eml");
            await File.WriteAllBytesAsync(file, Encoding.UTF8.GetBytes(data));
            (await Swaks.SendAsync(fixture.Relay, $"someone@{DeliveryFixture.Domain("sink", "none")}", "--from", "a@bounces.test", "--data", file)).Succeeded();
        }

        string Dump(string kind) => fixture.Sink.Delivered().SingleOrDefault(d => d.Contains($"as received {tag} {kind}", StringComparison.Ordinal)) ?? "";
        await Wait.UntilAsync(() => Dump("8bit").Length > 0 && Dump("7bit").Length > 0, "the sink has both messages");

        foreach (var (kind, sent, declared) in new[] { ("8bit", eightBit, true), ("7bit", sevenBit, false) })
        {
            var dump = Dump(kind).ReplaceLineEndings("\r\n");
            var mailArgs = dump.Split("\r\n").Single(l => l.StartsWith("X-Mail-Args:", StringComparison.Ordinal));
            Assert.Equal(declared, mailArgs.Contains("BODY=8BITMIME", StringComparison.Ordinal));
            var afterReceived = dump[(dump.IndexOf("\r\nFrom: a@bounces.test", StringComparison.Ordinal) + 2)..];
            // Where the data ends is swaks' and smtp-sink's convention (each adds a line end), not the node's.
            Assert.Equal(sent.TrimEnd('\r', '\n'), afterReceived.TrimEnd('\r', '\n'));
        }
    }
}
