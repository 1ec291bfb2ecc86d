using Gatehouse.Cluster.V1;
using Gatehouse.Node.UrlFiltering;
using MimeKit;

namespace Gatehouse.Node.Tests.UrlFiltering;

/// <summary>SVC-3: no link is walked around the filter by putting it late, in an attached message, or encoded.</summary>
public sealed class UrlExtractorTests
{
    [Fact]
    public async Task Past_the_limit_the_extraction_says_it_was_truncated_and_exactly_at_it_does_not()
    {
        var fifty = await ExtractAsync(Plain(string.Join("\n", Enumerable.Range(1, 50).Select(i => $"https://site{i}.example/"))), 50);
        Assert.Equal((50, false), (fifty.Urls.Count, fifty.Truncated));

        var fiftyOne = await ExtractAsync(Plain(string.Join("\n", Enumerable.Range(1, 51).Select(i => $"https://site{i}.example/"))), 50);
        Assert.Equal((50, true), (fiftyOne.Urls.Count, fiftyOne.Truncated));
        Assert.DoesNotContain("https://site51.example/", fiftyOne.Urls);
    }

    [Fact]
    public async Task A_link_in_a_forwarded_message_is_found_and_nesting_too_deep_to_read_is_truncated()
    {
        var inner = new MimeMessage { Subject = "fw", Body = new TextPart("html") { Text = "<a href=\"https://evil.example.test/login\">x</a>" } };
        var outer = new MimeMessage
        {
            Body = new Multipart("mixed") { new TextPart("plain") { Text = "see attached" }, new MessagePart { Message = inner } },
        };
        Assert.Equal(["https://evil.example.test/login"], (await ExtractAsync(outer, 50)).Urls);

        var deep = inner;
        for (var i = 0; i < 6; i++)
        {
            deep = new MimeMessage { Body = new MessagePart { Message = deep } };
        }

        var found = await ExtractAsync(deep, 50);
        Assert.Empty(found.Urls);
        Assert.True(found.Truncated);
    }

    [Theory]
    [InlineData(ContentEncoding.QuotedPrintable)]
    [InlineData(ContentEncoding.Base64)]
    public async Task Encoded_HTML_is_read_as_a_reader_sees_it(ContentEncoding encoding)
    {
        var message = new MimeMessage
        {
            Body = new TextPart("html") { Text = "<p><a href=\"https://EVIL.example.test/a?b=1&amp;c=2#top\">click</a></p>", ContentTransferEncoding = encoding },
        };
        Assert.Equal(["https://evil.example.test/a?b=1&c=2"], (await ExtractAsync(message, 50)).Urls);
    }

    [Fact]
    public async Task Text_past_what_a_node_examines_makes_the_verdict_truncated()
    {
        var padding = new string('x', UrlExtractor.MaxTextCharacters);
        var found = await ExtractAsync(Plain($"https://first.example/ {padding} https://late.example/"), 50);
        Assert.Equal(["https://first.example/"], found.Urls);
        Assert.True(found.Truncated);
    }

    [Theory]
    [InlineData(TooManyUrls.Unspecified, "suspicious; urls=50; flagged=0; truncated")]
    [InlineData(TooManyUrls.Malicious, "malicious; urls=50; flagged=0; truncated")]
    [InlineData(TooManyUrls.AsJudged, "clean; urls=50; truncated")]
    public void A_truncated_clean_verdict_is_at_least_what_the_admin_takes_it_for(TooManyUrls taken, string header)
    {
        Assert.Equal(header, new MessageVerdict(UrlVerdict.Clean, 50, 0, "", "").WithTruncation(taken).Header);
        Assert.Equal(UrlVerdict.Malicious, new MessageVerdict(UrlVerdict.Malicious, 50, 1, "", "").WithTruncation(TooManyUrls.AsJudged).Verdict);
        Assert.Equal(UrlVerdict.Unavailable, new MessageVerdict(UrlVerdict.Unavailable, 50, 0, "", "").WithTruncation(taken).Verdict);
    }

    private static MimeMessage Plain(string text) => new() { Body = new TextPart("plain") { Text = text } };

    private static async Task<ExtractedUrls> ExtractAsync(MimeMessage message, int limit)
    {
        using var bytes = new MemoryStream();
        await message.WriteToAsync(bytes);
        bytes.Position = 0;
        return await UrlExtractor.ExtractAsync(bytes, limit, CancellationToken.None);
    }
}
