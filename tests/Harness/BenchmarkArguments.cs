using System.Globalization;

namespace Gatehouse.Harness;

/// <summary>What the load benchmarks share: their options, the message body and percentiles.</summary>
public static class BenchmarkArguments
{
    /// <summary>About 2 KB of text.</summary>
    public static readonly string Body = string.Join("\r\n", Enumerable.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.", 40));

    /// <summary>The load benchmarks' shape: <c>[--clients N] [--messages M] [--rounds R]</c> (20, 25, 3).</summary>
    public static (int Clients, int Messages, int Rounds) Load(string[] args) =>
        (Option(args, "--clients", 20), Option(args, "--messages", 25), Option(args, "--rounds", 3));

    /// <summary><c>--name N</c> from the command line, or the fallback.</summary>
    public static int Option(string[] args, string name, int fallback) =>
        Array.IndexOf(args, name) is var i and >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;

    public static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[(int)Math.Round(p * (sorted.Count - 1))];
}
