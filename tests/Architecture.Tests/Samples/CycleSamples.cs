// A deliberate two-folder cycle and a leaf, for the test that the cycle finder finds cycles.
namespace Gatehouse.Architecture.Tests.Samples.Left
{
    internal sealed class LeftThing
    {
        public Right.RightThing? Other { get; set; }
    }
}

namespace Gatehouse.Architecture.Tests.Samples.Right
{
    internal sealed class RightThing
    {
        public int Count() => new Left.LeftThing().GetHashCode() + Leaf.LeafThing.One;
    }
}

namespace Gatehouse.Architecture.Tests.Samples.Leaf
{
    internal static class LeafThing
    {
        public const int One = 1;
    }
}
