using System.Text;
using Gatehouse.Node.Scanning;

namespace Gatehouse.Node.Tests.Scanning;

/// <summary>rspamd's /checkv2 answer as the node reads it: only what may reach a header or a reply.</summary>
public sealed class RspamdVerdictTests
{
    [Fact]
    public void The_action_score_symbols_message_and_header_changes_are_read()
    {
        var verdict = Parse("""
            {"action":"rewrite subject","score":7.5,"required_score":15,"subject":"*** SPAM *** hello",
             "symbols":{"BAYES_SPAM":{"score":5},"R_SPF_FAIL":{"score":2.5}},
             "messages":{"smtp_message":"Go away"},
             "milter":{"add_headers":{"X-Spamd-Result":{"value":"default: False [7.50 / 15.00]","order":0},"X-Spam":"Yes","X-Multi":[{"value":"one"},"two"]},
                       "remove_headers":{"X-Spam":1}}}
            """);
        Assert.Equal(("rewrite subject", 7.5, 15.0), (verdict.Action, verdict.Score, verdict.Required));
        Assert.Equal(["BAYES_SPAM", "R_SPF_FAIL"], verdict.Symbols);
        Assert.Equal("Go away", verdict.SmtpMessage);
        Assert.Equal("*** SPAM *** hello", verdict.Subject);
        Assert.Equal([("X-Spamd-Result", "default: False [7.50 / 15.00]"), ("X-Spam", "Yes"), ("X-Multi", "one"), ("X-Multi", "two")], verdict.AddHeaders);
        Assert.Equal(["X-Spam"], verdict.RemoveHeaders);
        Assert.Equal("rewrite subject (score 7.50/15.00: BAYES_SPAM, R_SPF_FAIL)", verdict.LogText);
    }

    [Fact]
    public void Line_breaks_and_names_that_are_not_tokens_never_reach_a_header()
    {
        var verdict = Parse("""
            {"action":"add header","score":1,"required_score":15,
             "messages":{"smtp_message":"line\r\n250 fake"},
             "milter":{"add_headers":{"X-Ok":"a\r\nBcc: victim@example.test","Bad Name":"x","X-Evil\r\nBcc":"y"},"remove_headers":{"Subject\r\nX":1}}}
            """);
        Assert.Equal([("X-Ok", "aBcc: victim@example.test")], verdict.AddHeaders);
        Assert.Empty(verdict.RemoveHeaders);
        Assert.Equal("line250 fake", verdict.SmtpMessage);
    }

    [Fact]
    public void An_answer_without_an_action_is_no_verdict() =>
        Assert.Throws<FormatException>(() => Parse("""{"score":1}"""));

    private static RspamdVerdict Parse(string json) => RspamdVerdict.Parse(Encoding.UTF8.GetBytes(json));
}
