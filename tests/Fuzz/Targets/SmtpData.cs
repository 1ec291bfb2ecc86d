using System.IO.Pipelines;
using Gatehouse.Node.Smtp;

namespace Gatehouse.Fuzz.Targets;

/// <summary>DATA as a client sends it: dot-unstuffing, the end of data, bare CR and LF, the size limit, the headers tracked on the way.</summary>
internal sealed class SmtpData : FuzzTarget
{
    public override string Name => "smtp-data";

    public override void Run(byte[] input)
    {
        using var deadline = new ReadDeadline(SmtpLimits.From(null));
        using var sink = new MemoryStream();
        var reader = PipeReader.Create(new MemoryStream(input));
        DataReader.ReadAsync(reader, sink, maxSize: 64 * 1024, deadline).GetAwaiter().GetResult();
    }
}
