using Microsoft.Extensions.Logging;

// Log messages with a duplicate id and one far out of any range, for the test that the check reads them.
namespace Gatehouse.Architecture.Tests.Samples.Left
{
    internal static partial class LeftLog
    {
        [LoggerMessage(7, LogLevel.Information, "one")]
        public static partial void One(ILogger logger);

        [LoggerMessage(7, LogLevel.Information, "two")]
        public static partial void Two(ILogger logger);
    }
}

namespace Gatehouse.Architecture.Tests.Samples.Right
{
    internal static partial class RightLog
    {
        [LoggerMessage(5000, LogLevel.Information, "three")]
        public static partial void Three(ILogger logger);
    }
}
