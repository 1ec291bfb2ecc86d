using System.Text;
using MimeKit;

namespace Gatehouse.Node.UrlFiltering;

/// <summary>The URLs found, and whether there were more than were kept or examined.</summary>
internal sealed record ExtractedUrls(IReadOnlyList<string> Urls, bool Truncated);

/// <summary>
/// The URLs of a message as a reader would see them: every text part (plain and HTML), in
/// attached messages too, decoded from its transfer encoding and charset, HTML entities
/// resolved, each URL normalised (scheme and host in lower case, no fragment) and counted once.
/// Parts are read as streams through a <see cref="UrlScanner"/>, never whole into memory.
/// Bounded: at most a number of URLs, attached messages nested a few deep, and a node-wide
/// number of messages examined at once, each up to a number of characters of text.
/// </summary>
internal static class UrlExtractor
{
    /// <summary>Characters of text examined per message (its decoded text parts, HTML decoded).</summary>
    public const int MaxTextCharacters = 10 * 1024 * 1024;

    // A forwarded message inside a forwarded message…: deeper is not read.
    private const int MaxNesting = 5;

    // Examining is work for the processor: a few messages at a time on the node, whatever the sessions.
    private static readonly SemaphoreSlim Examining = new(Math.Max(2, Environment.ProcessorCount));

    public static async Task<ExtractedUrls> ExtractAsync(Stream message, int limit, CancellationToken cancel)
    {
        await Examining.WaitAsync(cancel);
        try
        {
            var scanner = new UrlScanner(limit, MaxTextCharacters);
            try
            {
                using var parsed = await MimeMessage.LoadAsync(message, persistent: true, cancel);
                foreach (var part in TextParts(parsed.Body, 0))
                {
                    if (part is null)
                    {
                        scanner.Skipped();
                        break;
                    }

                    await using var content = part.Content?.Open() ?? Stream.Null;
                    using var reader = new StreamReader(content, part.ContentType.CharsetEncoding ?? Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
                    if (!await scanner.ScanAsync(reader, part.IsHtml, cancel))
                    {
                        break;
                    }
                }

                return scanner.Result;
            }
            catch (FormatException) when (message.CanSeek)
            {
                // Bytes MimeKit cannot read as a message (a header line without a colon, a cut
                // stream): any sender can send them, so their links are judged all the same, read
                // as plain text.
                message.Position = 0;
                scanner = new UrlScanner(limit, MaxTextCharacters);
                using var reader = new StreamReader(message, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
                await scanner.ScanAsync(reader, html: true, cancel);
                return scanner.Result;
            }
        }
        finally
        {
            Examining.Release();
        }
    }

    // Every text part, attached messages included; null where nesting goes deeper than is read.
    private static IEnumerable<TextPart?> TextParts(MimeEntity? entity, int depth)
    {
        switch (entity)
        {
            case TextPart text:
                yield return text;
                break;
            case Multipart multipart:
                foreach (var child in multipart)
                {
                    foreach (var part in TextParts(child, depth))
                    {
                        yield return part;
                    }
                }

                break;
            case MessagePart { Message: { } attached } when depth < MaxNesting:
                foreach (var part in TextParts(attached.Body, depth + 1))
                {
                    yield return part;
                }

                break;
            case MessagePart:
                yield return null;
                break;
        }
    }
}
