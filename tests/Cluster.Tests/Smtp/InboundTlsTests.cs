namespace Gatehouse.Cluster.Tests.Smtp;

/// <summary>IN-4 with real clients: swaks and openssl s_client.</summary>
[Collection("smtp")]
public sealed class InboundTlsTests(SmtpClusterFixture smtp)
{
    [Fact]
    public async Task Off_never_offers_STARTTLS_and_accepts_mail_in_clear()
    {
        var plain = await Swaks.SendAsync(smtp.Off, "user@example.test");
        var tls = await Swaks.SendAsync(smtp.Off, "user@example.test", "--tls");

        Assert.Equal(0, plain.ExitCode);
        Assert.DoesNotContain("250-STARTTLS", plain.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, tls.ExitCode);
        Assert.Contains("STARTTLS", tls.Output + tls.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preferred_offers_STARTTLS_and_lets_a_client_without_it_continue()
    {
        var plain = await Swaks.SendAsync(smtp.Preferred, "user@example.test");
        var tls = await Swaks.SendAsync(smtp.Preferred, "user@example.test", "--tls");
        var optional = await Swaks.SendAsync(smtp.Preferred, "user@example.test", "--tls-optional");

        Assert.Equal(0, plain.ExitCode);
        Assert.Contains("250-STARTTLS", plain.Output, StringComparison.Ordinal);
        Assert.Equal(0, tls.ExitCode);
        Assert.Contains("250 2.0.0 Ok: queued as", tls.Output, StringComparison.Ordinal);
        Assert.Equal(0, optional.ExitCode);
        Assert.Contains("TLS started", optional.Output, StringComparison.Ordinal);
        await smtp.WaitForLogAsync("TLS success protocol TLSv1.3 cipher TLS_");
    }

    [Fact]
    public async Task Required_answers_530_until_STARTTLS_and_logs_it()
    {
        var plain = await Swaks.SendAsync(smtp.Required, "user@example.test");
        var tls = await Swaks.SendAsync(smtp.Required, "user@example.test", "--tls");

        Assert.NotEqual(0, plain.ExitCode);
        Assert.Contains("530 5.7.0 Must issue a STARTTLS command first", plain.Output, StringComparison.Ordinal);
        Assert.Equal(0, tls.ExitCode);
        await smtp.WaitForLogAsync("TLS was required but remote host did not initiate it");
    }

    [Fact]
    public async Task Required_allows_only_EHLO_HELO_STARTTLS_NOOP_RSET_and_QUIT_before_TLS()
    {
        await using var probe = await SmtpProbe.ConnectAsync(smtp.Required);
        Assert.StartsWith("220 ", await probe.ReplyAsync(), StringComparison.Ordinal);

        Assert.StartsWith("250", await probe.CommandAsync("EHLO client.sender.test"), StringComparison.Ordinal);
        Assert.StartsWith("250", await probe.CommandAsync("NOOP"), StringComparison.Ordinal);
        Assert.StartsWith("250", await probe.CommandAsync("RSET"), StringComparison.Ordinal);
        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", await probe.CommandAsync("MAIL FROM:<a@sender.test>"));
        Assert.Equal("530 5.7.0 Must issue a STARTTLS command first", await probe.CommandAsync("VRFY postmaster"));
        Assert.StartsWith("221", await probe.CommandAsync("QUIT"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_certificate_verification_demands_a_valid_certificate()
    {
        var withoutCertificate = await Swaks.SendAsync(smtp.Verify, "user@example.test", "--tls");
        var withCertificate = await Swaks.SendAsync(smtp.Verify, "user@example.test", "--tls", "--tls-cert", smtp.Client.Certificate, "--tls-key", smtp.Client.Key);
        var stranger = await TestCa.CreateAsync(Path.Combine(smtp.Cluster.Root, "stranger"), "Stranger");
        var (strangerCertificate, strangerKey) = await stranger.IssueAsync("client.sender.test", "client");
        var untrusted = await Swaks.SendAsync(smtp.Verify, "user@example.test", "--tls", "--tls-cert", strangerCertificate, "--tls-key", strangerKey);

        Assert.NotEqual(0, withoutCertificate.ExitCode);
        Assert.True(withCertificate.ExitCode == 0, withCertificate.Output + withCertificate.Error);
        Assert.Contains("250 2.0.0 Ok: queued as", withCertificate.Output, StringComparison.Ordinal);
        Assert.NotEqual(0, untrusted.ExitCode);
        await smtp.WaitForLogAsync("TLS failed:");
    }

    [Fact]
    public async Task A_client_certificate_on_an_imported_revocation_list_is_refused()
    {
        var (revokedCertificate, revokedKey) = await smtp.Ca.IssueAsync("revoked.sender.test", "revoked");
        var crl = await smtp.Ca.RevokeAsync(revokedCertificate);
        var work = smtp.Ca.Directory;
        // As a CA publishes it (DER), and an older list of the same CA.
        await OpenSsl.OkAsync(work, "crl", "-in", crl, "-outform", "DER", "-out", "current.crl");
        await OpenSsl.OkAsync(work, "ca", "-config", "ca.cnf", "-keyfile", "intermediate.key", "-cert", "intermediate.crt", "-gencrl", "-crl_lastupdate", "20260101000000Z", "-out", "older.crl.pem");
        var stranger = await TestCa.CreateAsync(Path.Combine(smtp.Cluster.Root, "stranger-crl"), "Stranger");
        var strangerCrl = await stranger.RevokeAsync();
        var garbage = Path.Combine(work, "garbage.crl");
        await File.WriteAllTextAsync(garbage, "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
        var m = smtp.Cluster.Manager;

        (await m.CliAsync("certconfig", "crl", "import", Path.Combine(work, "current.crl"))).Succeeded();
        var older = await m.CliAsync("certconfig", "crl", "import", Path.Combine(work, "older.crl.pem"));
        var foreign = await m.CliAsync("certconfig", "crl", "import", strangerCrl);
        var malformed = await m.CliAsync("certconfig", "crl", "import", garbage);
        var listed = await m.CliAsync("certconfig", "crl", "list");
        await smtp.Node.WaitAppliedAsync(await m.CommitAsync("the intermediate's revocation list"));

        Assert.Contains("is older than the one held", older.Error + older.Output, StringComparison.Ordinal);
        Assert.Contains("not signed by a custom trusted CA", foreign.Error + foreign.Output, StringComparison.Ordinal);
        Assert.Contains("not a certificate revocation list", malformed.Error + malformed.Output, StringComparison.Ordinal);
        Assert.All(new[] { older, foreign, malformed }, r => Assert.NotEqual(0, r.ExitCode));
        Assert.Matches(@"(?m)^CN=Test Intermediate CA\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+1$", listed.Output);
        Assert.Equal(1, listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1);

        var revoked = await Swaks.SendAsync(smtp.Verify, "user@example.test", "--tls", "--tls-cert", revokedCertificate, "--tls-key", revokedKey);
        var valid = await Swaks.SendAsync(smtp.Verify, "user@example.test", "--tls", "--tls-cert", smtp.Client.Certificate, "--tls-key", smtp.Client.Key);

        Assert.NotEqual(0, revoked.ExitCode);
        Assert.DoesNotContain("queued as", revoked.Output, StringComparison.Ordinal);
        Assert.True(valid.ExitCode == 0, valid.Output + valid.Error);
        await smtp.WaitForLogAsync("(CN=revoked.sender.test) is revoked by the list of CN=Test Intermediate CA");
    }

    [Fact]
    public async Task Preferred_verification_lets_clients_without_a_certificate_in_but_refuses_an_invalid_one()
    {
        var stranger = await TestCa.CreateAsync(Path.Combine(smtp.Cluster.Root, "stranger-preferred"), "Stranger");
        var (strangerCertificate, strangerKey) = await stranger.IssueAsync("client.sender.test", "client");

        var plain = await Swaks.SendAsync(smtp.VerifyPreferred, "user@example.test");
        var tlsWithout = await Swaks.SendAsync(smtp.VerifyPreferred, "user@example.test", "--tls");
        var valid = await Swaks.SendAsync(smtp.VerifyPreferred, "user@example.test", "--tls", "--tls-cert", smtp.Client.Certificate, "--tls-key", smtp.Client.Key);
        var invalid = await Swaks.SendAsync(smtp.VerifyPreferred, "user@example.test", "--tls", "--tls-cert", strangerCertificate, "--tls-key", strangerKey);

        Assert.Equal((0, 0, 0), (plain.ExitCode, tlsWithout.ExitCode, valid.ExitCode));
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.DoesNotContain("queued as", invalid.Output, StringComparison.Ordinal);
        await smtp.WaitForLogAsync("client certificate CN=client.sender.test not verified");
    }

    [Fact]
    public async Task Openssl_starttls_sees_the_listener_certificate_and_its_intermediate()
    {
        var shown = await OpenSsl.RunAsync(smtp.Cluster.Root,
            ["s_client", "-starttls", "smtp", "-connect", smtp.Preferred.ToString(), "-showcerts", "-CAfile", smtp.Ca.RootCertificate, "-verify_hostname", "mx1.example.test"], input: "QUIT\r\n");

        Assert.Equal(2, shown.Output.Split("-----BEGIN CERTIFICATE-----").Length - 1);
        Assert.Contains("CN = mx1.example.test", shown.Output, StringComparison.Ordinal);
        Assert.Contains("CN = Test Intermediate CA", shown.Output, StringComparison.Ordinal);
        Assert.Contains("Verify return code: 0 (ok)", shown.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_that_offers_its_TLS_1_3_ticket_resumes_without_a_full_handshake()
    {
        var session = Path.Combine(smtp.Cluster.Root, $"session-{Guid.NewGuid():N}.pem");
        string[] connect = ["s_client", "-starttls", "smtp", "-connect", smtp.Preferred.ToString(), "-CAfile", smtp.Ca.RootCertificate, "-tls1_3", "-ign_eof"];

        var first = await OpenSsl.RunAsync(smtp.Cluster.Root, [.. connect, "-sess_out", session], input: "NOOP\r\nQUIT\r\n");
        var second = await OpenSsl.RunAsync(smtp.Cluster.Root, [.. connect, "-sess_in", session], input: "NOOP\r\nQUIT\r\n");

        Assert.Contains("New, TLSv1.3", first.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(session), first.Output + first.Error);
        Assert.Contains("Reused, TLSv1.3", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_Received_header_records_the_TLS_protocol_and_cipher()
    {
        var sent = await Swaks.SendAsync(smtp.Preferred, "received@example.test", "--tls");
        var mid = System.Text.RegularExpressions.Regex.Match(sent.Output, @"queued as (\d+)").Groups[1].Value;

        var message = await File.ReadAllTextAsync(Path.Combine(smtp.Queue, $"{mid}.msg"));

        Assert.StartsWith("Received: from client.sender.test (", message, StringComparison.Ordinal);
        Assert.Contains("by mx1.example.test with ESMTPS id " + mid, message, StringComparison.Ordinal);
        Assert.Contains("(version=TLSv1.3 cipher=TLS_", message, StringComparison.Ordinal);
        Assert.Contains("for <received@example.test>;", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pipelined_commands_are_answered_in_order()
    {
        var result = await Swaks.SendAsync(smtp.Preferred, "user@example.test", "--pipeline");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("250-PIPELINING", result.Output, StringComparison.Ordinal);
        Assert.Contains("250 2.0.0 Ok: queued as", result.Output, StringComparison.Ordinal);
    }
}
