namespace Gatehouse.Harness;

/// <summary>
/// The periods of the manager's and nodes' periodic jobs in tests (the <c>Jobs</c> configuration
/// section, by environment): short, so that a test that needs a few rounds waits seconds, not
/// the minutes of the production periods.
/// </summary>
public static class TestJobPeriods
{
    /// <summary>The longest period set here: a test that must see rounds pass waits a few of these.</summary>
    public static readonly TimeSpan Round = TimeSpan.FromSeconds(1);

    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["Jobs__AlertDispatcher"] = "00:00:01",
        ["Jobs__ClusterAlertGather"] = "00:00:05",
        ["Jobs__NodeWatch"] = "00:00:01",
        ["Jobs__QueueWatch"] = "00:00:01",
    };

    /// <summary>Long enough for <paramref name="rounds"/> rounds of every job set here to have run.</summary>
    public static TimeSpan Rounds(int rounds) => Round * rounds + TimeSpan.FromMilliseconds(500);
}
