using Gatehouse.Node.Queue;

namespace Gatehouse.Node.Tests;

public sealed class MessageSpoolTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("gatehouse-spool-").FullName;

    [Fact]
    public async Task The_sweep_removes_files_of_messages_never_accepted_but_not_one_being_written()
    {
        var spool = new MessageSpool(directory);
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

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
