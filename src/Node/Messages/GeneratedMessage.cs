using MimeKit;

namespace Gatehouse.Node.Messages;

/// <summary>Messages the node writes itself (bounces, alerts), as they go into the queue.</summary>
internal static class GeneratedMessage
{
    public static byte[] Bytes(MimeMessage message)
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        using var output = new MemoryStream();
        message.WriteTo(options, output);
        return output.ToArray();
    }
}
