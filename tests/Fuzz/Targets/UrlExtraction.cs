using Gatehouse.Node.UrlFiltering;

namespace Gatehouse.Fuzz.Targets;

/// <summary>A received message as URL filtering reads it: every text part, attached messages included.</summary>
internal sealed class UrlExtraction : FuzzTarget
{
    public override string Name => "url-extraction";

    public override void Run(byte[] input) =>
        UrlExtractor.ExtractAsync(new MemoryStream(input), 50, CancellationToken.None).GetAwaiter().GetResult();
}
