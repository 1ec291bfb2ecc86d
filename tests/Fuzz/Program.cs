using Gatehouse.Fuzz.Targets;
using SharpFuzz;

// gatehouse-fuzz TARGET               under afl-fuzz: reads each input AFL++ gives (SharpFuzz's loop)
// gatehouse-fuzz TARGET FILE|DIR …    runs these inputs once each; exit 1 when one crashes
// gatehouse-fuzz --list               the targets
if (args.Length == 0 || args[0] == "--list")
{
    Console.WriteLine(string.Join('\n', FuzzTarget.All.Select(t => t.Name)));
    return args.Length == 0 ? 2 : 0;
}

var target = FuzzTarget.All.FirstOrDefault(t => t.Name == args[0]);
if (target is null)
{
    Console.Error.WriteLine($"no target {args[0]}; --list shows them");
    return 2;
}

if (args.Length == 1)
{
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        target.Run(buffer.ToArray());
    });
    return 0;
}

var crashed = 0;
foreach (var file in args[1..].SelectMany(a => Directory.Exists(a) ? Directory.GetFiles(a) : [a]).Order(StringComparer.Ordinal))
{
    try
    {
        target.Run(File.ReadAllBytes(file));
    }
    catch (Exception e)
    {
        crashed++;
        Console.Error.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
    }
}

return crashed == 0 ? 0 : 1;
