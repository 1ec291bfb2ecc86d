using System.Text;

namespace Gatehouse.Node.Scanning;

/// <summary>
/// Writes a milter's header and body changes into the stored message, before it is committed
/// (no 250 has been given: a crash meanwhile leaves an incomplete file that is swept, never a
/// half-changed message queued). The node's own Received line stays first and is not among the
/// fields a milter sees or counts. Without a new body the old one is moved in place to follow
/// the new header section.
/// </summary>
internal static class MessageRewrite
{
    private const int CopyBytes = 64 * 1024;

    /// <param name="data">The message being received, open for writing; left at its new end.</param>
    public static void Apply(FileStream data, MessageChanges changes)
    {
        data.Flush();
        // The session's stream only writes: the old bytes are read, and moved, through a handle of its own.
        using var file = new FileStream(data.Name, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 4096);
        var section = HeaderSection.Read(new BufferedStream(file, 16 * 1024));
        var fields = section.Fields.ToList();
        var received = fields.Count > 0 ? fields[0] : null;
        var visible = fields.Skip(1).ToList();
        foreach (var change in changes.Headers)
        {
            Change(visible, change);
        }

        var head = new StringBuilder(received?.Text ?? "");
        foreach (var field in visible)
        {
            head.Append(field.Text);
        }

        var headBytes = Encoding.Latin1.GetBytes(head.Append("\r\n").ToString());
        var handle = file.SafeFileHandle;
        long length;
        if (changes.Body is { } body)
        {
            var bodyBytes = CrLf(body);
            RandomAccess.Write(handle, headBytes, 0);
            RandomAccess.Write(handle, bodyBytes, headBytes.Length);
            length = headBytes.Length + bodyBytes.Length;
        }
        else
        {
            var bodyLength = file.Length - section.BodyOffset;
            Move(handle, section.BodyOffset, headBytes.Length, bodyLength);
            RandomAccess.Write(handle, headBytes, 0);
            length = headBytes.Length + bodyLength;
        }

        data.SetLength(length);
        data.Position = length;
    }

    private static void Change(List<HeaderField> fields, HeaderChange change)
    {
        var field = HeaderField.Of(change.Name, change.Value);
        switch (change.Kind)
        {
            case HeaderChangeKind.Add:
                fields.Add(field);
                break;
            case HeaderChangeKind.Insert:
                fields.Insert(Math.Clamp(change.Index, 0, fields.Count), field);
                break;
            default:
                var named = fields.Select((f, i) => (f, i)).Where(p => p.f.Name.Equals(change.Name, StringComparison.OrdinalIgnoreCase)).Select(p => p.i).ToList();
                var at = change.Index >= 1 && change.Index <= named.Count ? named[change.Index - 1] : -1;
                if (change.Value.Trim().Length == 0)
                {
                    if (at >= 0)
                    {
                        fields.RemoveAt(at);
                    }
                }
                else if (at >= 0)
                {
                    fields[at] = HeaderField.Of(fields[at].Name, change.Value);
                }
                else
                {
                    fields.Add(field);
                }

                break;
        }
    }

    // Bytes [from, from+count) to [to, to+count) within the file, in chunks, in the order that never overwrites what is still to be read.
    private static void Move(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long from, long to, long count)
    {
        if (from == to || count == 0)
        {
            return;
        }

        var buffer = new byte[CopyBytes];
        if (to < from)
        {
            for (long done = 0; done < count;)
            {
                var read = RandomAccess.Read(handle, buffer.AsSpan(0, (int)Math.Min(CopyBytes, count - done)), from + done);
                RandomAccess.Write(handle, buffer.AsSpan(0, read), to + done);
                done += read;
            }
        }
        else
        {
            for (var left = count; left > 0;)
            {
                var size = (int)Math.Min(CopyBytes, left);
                left -= size;
                RandomAccess.Read(handle, buffer.AsSpan(0, size), from + left);
                RandomAccess.Write(handle, buffer.AsSpan(0, size), to + left);
            }
        }
    }

    // A body as a milter sends it may end lines with a bare LF; stored mail has CRLF everywhere.
    private static byte[] CrLf(MemoryStream body)
    {
        var bytes = body.ToArray();
        var result = new List<byte>(bytes.Length + bytes.Length / 40);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r'))
            {
                result.Add((byte)'\r');
            }
            else if (bytes[i] == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n'))
            {
                result.Add((byte)'\r');
                result.Add((byte)'\n');
                continue;
            }

            result.Add(bytes[i]);
        }

        return [.. result];
    }
}
