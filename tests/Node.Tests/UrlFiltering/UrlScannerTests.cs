using Gatehouse.Node.UrlFiltering;

namespace Gatehouse.Node.Tests.UrlFiltering;

/// <summary>
/// Text is examined in pieces of 32 K characters: nothing a piece's end cuts (a URL, its scheme,
/// an HTML entity however padded) escapes the scan or is found twice.
/// </summary>
public sealed class UrlScannerTests
{
    private const int Piece = 32 * 1024;

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(20)]
    public async Task A_url_cut_anywhere_by_the_end_of_a_piece_is_found_once_and_whole(int before)
    {
        // The URL starts `before` characters ahead of the piece's end.
        var text = new string('x', Piece - before - 1) + " https://evil.example.test/login?a=1 and https://after.example.test/";
        Assert.Equal(["https://evil.example.test/login?a=1", "https://after.example.test/"], (await ScanAsync(text, html: false)).Urls);
    }

    [Theory]
    [InlineData("&#104;", 2)]
    [InlineData("&#x68;", 3)]
    [InlineData("&#0000000000000000000000000000000000000000000000000000000104;", 30)]
    [InlineData("&#104", 3)]
    [InlineData("&#x68", 2)]
    public async Task An_entity_cut_by_the_end_of_a_piece_is_decoded_whole(string h, int cutAfter)
    {
        var text = new string('x', Piece - cutAfter) + " " + h + "ttps://evil.example.test/";
        Assert.Equal(["https://evil.example.test/"], (await ScanAsync(text, html: true)).Urls);
    }

    [Fact]
    public async Task A_url_longer_than_is_kept_is_judged_by_its_first_characters_and_its_tail_is_not_a_second_one()
    {
        var longUrl = "https://evil.example.test/" + string.Concat(Enumerable.Repeat("www.example.test/", 5000));
        var found = await ScanAsync($"{longUrl} https://next.example.test/", html: false);
        Assert.Equal(2, found.Urls.Count);
        Assert.StartsWith("https://evil.example.test/www.example.test/", found.Urls[0], StringComparison.Ordinal);
        Assert.Equal(UrlScanner.MaxUrlLength, found.Urls[0].Length);
        Assert.Equal("https://next.example.test/", found.Urls[1]);
        Assert.False(found.Truncated);
    }

    [Fact]
    public async Task An_entity_padded_past_any_html_makes_the_scan_truncated_rather_than_read_in_halves()
    {
        var text = "<p>&#" + new string('0', 100_000) + "104;ttps://evil.example.test/</p>";
        Assert.True((await ScanAsync(text, html: true)).Truncated);
    }

    [Theory]
    [InlineData("<a href=\"&#104ttps://evil.example.test/\">x</a>", "https://evil.example.test/")]
    [InlineData("&#x68;ttps://evil.example.test/", "https://evil.example.test/")]
    [InlineData("h&#x74tps://evil.example.test/?a=1&amp;b=2", "https://evil.example.test/?a=1&b=2")]
    public async Task References_are_resolved_as_a_browser_shows_them_with_or_without_their_semicolon(string html, string url) =>
        Assert.Equal([url], (await ScanAsync(html, html: true)).Urls);

    [Theory]
    [InlineData("&#38;#104;ttps://a.test/", "&#104;ttps://a.test/")]
    [InlineData("&#38;amp;", "&amp;")]
    [InlineData("&#0; &#1114112; &#xD800; &# 104;", "\uFFFD \uFFFD \uFFFD &# 104;")]
    [InlineData("Tom &amp Jerry &unknown; &lt;", "Tom &amp Jerry &unknown; <")]
    public void What_one_reference_produces_is_not_read_as_another(string html, string text) =>
        Assert.Equal(text, UrlScanner.Decode(html));

    [Fact]
    public async Task A_stray_ampersand_in_prose_holds_nothing_back()
    {
        var text = "Tom & Jerry " + new string('x', 3 * Piece) + " https://site.example.test/";
        var found = await ScanAsync(text, html: true);
        Assert.Equal(["https://site.example.test/"], found.Urls);
        Assert.False(found.Truncated);
    }

    [Fact]
    public async Task The_budget_is_shared_by_the_texts_of_one_message()
    {
        var scanner = new UrlScanner(50, 100);
        Assert.True(await scanner.ScanAsync(new StringReader("https://one.example.test/ " + new string('x', 50)), html: false, CancellationToken.None));
        Assert.False(await scanner.ScanAsync(new StringReader(new string('y', 30) + " https://two.example.test/"), html: false, CancellationToken.None));
        Assert.Equal(["https://one.example.test/"], scanner.Result.Urls);
        Assert.True(scanner.Result.Truncated);
    }

    private static async Task<ExtractedUrls> ScanAsync(string text, bool html)
    {
        var scanner = new UrlScanner(50, UrlExtractor.MaxTextCharacters);
        await scanner.ScanAsync(new StringReader(text), html, CancellationToken.None);
        return scanner.Result;
    }
}
