using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Tests.Queue;

public sealed class MessageSpoolTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("gatehouse-spool-").FullName;

    [Fact]
    public async Task The_sweep_removes_files_of_messages_never_accepted_but_not_one_being_written()
    {
        using var spool = new MessageSpool(directory);
        await using (var writing = spool.CreateData(41))
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "7.msg"), "cut off mid-DATA");
            await File.WriteAllTextAsync(Path.Combine(directory, "8.dlv"), "{}");

            Assert.Equal(2, spool.SweepIncomplete());
            Assert.True(File.Exists(spool.DataPath(41)));
            Assert.False(File.Exists(Path.Combine(directory, "7.msg")));
        }

        spool.Discard(41);
        Assert.Equal(0, spool.SweepIncomplete());
        Assert.False(File.Exists(spool.DataPath(41)));
    }

    [Fact]
    public async Task A_committed_message_survives_a_restart_and_one_whose_data_never_reached_the_disk_goes()
    {
        using (var spool = new MessageSpool(directory))
        {
            foreach (var mid in new long[] { 1, 2 })
            {
                await using var data = spool.CreateData(mid);
                await data.WriteAsync("Subject: x\r\n\r\nbody\r\n"u8.ToArray());
                await spool.CommitAsync(data, new QueuedEnvelope { Mid = mid, MailFrom = "a@example.test", Recipients = ["b@example.test"] }, default);
            }

            Assert.True(spool.Flush.Flushes >= 1);
        }

        // As a power cut before the flush can leave a record: cut short, or its middle never written.
        await File.WriteAllTextAsync(Path.Combine(directory, "2.msg"), "Subj");
        var whole = await File.ReadAllBytesAsync(Path.Combine(directory, "1.msg"));
        await File.WriteAllBytesAsync(Path.Combine(directory, "3.msg"), [.. whole.Take(5), .. whole.Skip(10)]);

        using var restarted = new MessageSpool(directory);
        Assert.Equal([1L], restarted.Envelopes().Select(e => e.Mid));
        Assert.False(File.Exists(restarted.DataPath(2)));
        Assert.False(File.Exists(restarted.DataPath(3)));
        Assert.True(restarted.Holds(1));
        Assert.Equal("Subject: x\r\n\r\nbody\r\n", await DataOf(restarted, restarted.Envelopes().Single()));
        Assert.Equal(0, restarted.SweepIncomplete());
    }

    [Fact]
    public async Task Data_that_ends_like_a_record_without_the_spools_key_is_never_taken_for_a_queued_message()
    {
        using (new MessageSpool(directory))
        {
        }

        // What a client could send as the end of its DATA, then have the node restart before the
        // message was refused: an envelope of its choosing, a length that adds up, the mark.
        var prefix = "Subject: forged\r\n\r\nx\r\n"u8.ToArray();
        // The same bytes with the spool's own key (which no client can read) would be a record.
        var spoolKey = await File.ReadAllBytesAsync(Path.Combine(directory, ".spool-key"));
        foreach (var (mid, key) in new[] { (4L, new byte[16]), (6L, System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)), (8L, spoolKey) })
        {
            var json = System.Text.Encoding.UTF8.GetBytes($$"""{"mid":{{mid}},"mail_from":"x@attacker.test","recipients":["victim@elsewhere.test"],"data_bytes":{{prefix.Length}}}""");
            var length = new byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, json.Length);
            await File.WriteAllBytesAsync(Path.Combine(directory, $"{mid}.msg"), [.. prefix, .. json, .. length, .. key, .. "GHENV01\n"u8.ToArray()]);
        }

        using var restarted = new MessageSpool(directory);
        Assert.Equal([8L], restarted.Envelopes().Select(e => e.Mid));
        Assert.Equal(["8.msg"], Directory.GetFiles(directory, "*.msg").Select(Path.GetFileName));
    }

    [Fact]
    public async Task One_file_per_message_and_one_flush_before_it_is_accepted()
    {
        using var spool = new MessageSpool(directory);
        await using (var data = spool.CreateData(5))
        {
            await data.WriteAsync("Subject: one\r\n\r\nx\r\n"u8.ToArray());
            await spool.CommitAsync(data, new QueuedEnvelope { Mid = 5, MailFrom = "a@example.test", Recipients = ["b@example.test"] }, default);
        }

        Assert.Equal(["5.msg"], Directory.GetFiles(directory).Select(Path.GetFileName).Where(f => !f!.StartsWith('.')));
        Assert.Equal(1, spool.Flush.Flushes);
        Assert.True(spool.Arrivals.TryRead(out var arrived));
        Assert.Equal("Subject: one\r\n\r\nx\r\n", await DataOf(spool, arrived));
        spool.Remove(5);
        Assert.False(spool.Holds(5));
        Assert.Empty(Directory.GetFiles(directory, "5.*"));
    }

    [Fact]
    public async Task A_finished_messages_file_is_reused_for_the_next_one_and_its_old_record_never_counts()
    {
        using (var spool = new MessageSpool(directory))
        {
            await CommitAsync(spool, 1, "Subject: first\r\n\r\nthe first message, which is longer than the second\r\n");
            spool.Remove(1);
            Assert.False(File.Exists(spool.DataPath(1)));
            Assert.Single(Directory.GetFiles(Spares));

            await CommitAsync(spool, 2, "Subject: second\r\n\r\nx\r\n");
            Assert.Empty(Directory.GetFiles(Spares));
            Assert.Equal("Subject: second\r\n\r\nx\r\n", await DataOf(spool, spool.Envelopes().Single()));

            // A crash right after a spare was renamed into place, before it was truncated: the
            // file holds a whole record, of the message it carried before.
            File.Copy(spool.DataPath(2), spool.DataPath(3));
            Assert.Equal([2L], spool.Envelopes().Select(e => e.Mid));
            await CommitAsync(spool, 4, "Subject: fourth\r\n\r\ny\r\n");
            spool.Remove(4);
        }

        using var restarted = new MessageSpool(directory);
        Assert.Equal([2L], restarted.Envelopes().Select(e => e.Mid));
        Assert.False(File.Exists(restarted.DataPath(3)));
        Assert.Empty(Directory.GetFiles(Spares));
    }

    [Fact]
    public async Task A_reused_file_is_empty_before_the_next_message_is_written_into_it()
    {
        using var spool = new MessageSpool(directory);
        await CommitAsync(spool, 1, "Subject: first\r\n\r\n" + new string('a', 4000) + "\r\n");
        spool.Remove(1);

        // A client's bytes never follow the end of an earlier record, which the node's restart
        // mid-DATA would otherwise read back.
        await using var data = spool.CreateData(2);
        Assert.Equal(0, data.Length);
        await data.WriteAsync("Subj"u8.ToArray());
        await data.FlushAsync();
        Assert.Equal(4, new FileInfo(spool.DataPath(2)).Length);
    }

    [Fact]
    public async Task A_large_message_file_is_deleted_not_kept()
    {
        using var spool = new MessageSpool(directory);
        await CommitAsync(spool, 1, "Subject: big\r\n\r\n" + new string('a', 100_000) + "\r\n");
        spool.Remove(1);
        Assert.Empty(Directory.GetFiles(Spares));
    }

    [Fact]
    public async Task A_queue_written_by_an_earlier_version_is_read_delivered_and_removed_as_it_is()
    {
        const string body = "Subject: old\r\n\r\nfrom before\r\n";
        await File.WriteAllTextAsync(Path.Combine(directory, "9.msg"), body);
        await File.WriteAllTextAsync(Path.Combine(directory, "9.env"), $$"""{"mid": 9, "mail_from": "a@example.test", "recipients": ["b@example.test"], "data_bytes": {{body.Length}}}""");
        // Its envelope renamed in but the data cut short: never answered 250.
        await File.WriteAllTextAsync(Path.Combine(directory, "10.msg"), "Sub");
        await File.WriteAllTextAsync(Path.Combine(directory, "10.env"), """{"mid": 10, "data_bytes": 40}""");

        using var spool = new MessageSpool(directory);
        var envelope = Assert.Single(spool.Envelopes());
        Assert.Equal(9, envelope.Mid);
        Assert.Equal(body, await DataOf(spool, envelope));
        Assert.False(File.Exists(Path.Combine(directory, "10.env")));
        spool.Remove(9);
        Assert.Empty(Directory.GetFiles(directory, "9.*"));
    }

    private static async Task CommitAsync(MessageSpool spool, long mid, string text)
    {
        await using var data = spool.CreateData(mid);
        await data.WriteAsync(System.Text.Encoding.ASCII.GetBytes(text));
        await spool.CommitAsync(data, new QueuedEnvelope { Mid = mid, MailFrom = "a@example.test", Recipients = ["b@example.test"] }, default);
    }

    private string Spares => Path.Combine(directory, ".spare");

    private static async Task<string> DataOf(MessageSpool spool, QueuedEnvelope envelope)
    {
        await using var data = spool.OpenData(envelope);
        using var reader = new StreamReader(data);
        return await reader.ReadToEndAsync();
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
