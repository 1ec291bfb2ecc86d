using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Tests;

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

        // As a power cut between the envelope's rename and the flush can leave it: the data cut short.
        await File.WriteAllTextAsync(Path.Combine(directory, "2.msg"), "Subj");

        using var restarted = new MessageSpool(directory);
        Assert.Equal([1L], restarted.Envelopes().Select(e => e.Mid));
        Assert.False(File.Exists(restarted.DataPath(2)));
        Assert.Equal(new FileInfo(restarted.DataPath(1)).Length, restarted.Envelopes().Single().DataBytes);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
