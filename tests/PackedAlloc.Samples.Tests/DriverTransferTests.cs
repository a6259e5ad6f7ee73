using System.Collections.Generic;
using System.Linq;
using PackedAlloc.Runtime;
using PackedAlloc.Samples;

namespace PackedAlloc.Samples.Tests
{
    /// <summary>
    /// Every sample transfer on a fresh non-coherent machine: buggy versions lose data, fixed versions keep it. The
    /// verdicts come from comparing what the device and the CPU wrote with what the CPU reads back afterwards.
    /// </summary>
    public class DriverTransferTests
    {
        public static IEnumerable<object[]> Cases() =>
            from s in Scenarios.All
            from mode in new[] { PartialLineInvalidate.CleanAndInvalidate, PartialLineInvalidate.Invalidate }
            select new object[] { s.ToString(), mode };

        private static TransferOutcome Run(string scenario, PartialLineInvalidate mode)
        {
            Scenario s = Scenarios.All.Single(x => x.ToString() == scenario);
            Machine m = Machine.Boot(new MachineOptions
            {
                CacheLineSize = 64, DmaMinAlign = 128, SwiotlbBytes = 4L << 20, PartialLineInvalidate = mode, TrackAllocationSites = false,
            });
            return s.Run(m);
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public void BuggyCorrupts_FixedStaysIntact(string scenario, PartialLineInvalidate mode)
        {
            TransferOutcome o = Run(scenario, mode);
            Assert.NotEmpty(o.Slots);
            // Every slot carries real data on both sides, so "intact" is a comparison, not an empty match.
            Assert.All(o.Slots, s => Assert.Contains(s.DeviceWrote, b => b != 0));
            if (o.Buggy)
            {
                Assert.True(o.Corrupted, "the buggy version should lose data");
                if (mode == PartialLineInvalidate.CleanAndInvalidate)
                {
                    // arm64: the CPU's dirty copy of the shared line is written back over the device's data.
                    Assert.True(o.DeviceLostCount > 0);
                    Assert.Equal(0, o.CpuLostCount);
                }
                else
                {
                    // plain invalidate: the device's data survives, the CPU's write to the neighbour is discarded.
                    Assert.Equal(0, o.DeviceLostCount);
                    Assert.True(o.CpuLostCount > 0);
                }
                Assert.NotEmpty(o.Pa0001Reports);
            }
            else
            {
                Assert.All(o.Slots, s => Assert.Equal(s.DeviceWrote, s.DeviceReadBack));
                Assert.All(o.Slots, s => Assert.Equal(s.CpuWrote, s.CpuReadBack));
                // A fixed driver leaves dma-debug with nothing to say at all, not only nothing about PA0001.
                Assert.Empty(o.Reports);
            }
            Assert.True(o.AsExpected);
        }

        [Fact]
        public void EveryDriverHasABuggyAndAFixedVersion()
        {
            foreach (var g in Scenarios.All.GroupBy(s => s.Driver))
            {
                Assert.Contains(g, s => s.Buggy);
                Assert.Contains(g, s => !s.Buggy);
            }
            Assert.Equal(3, Scenarios.All.Select(s => s.Driver).Distinct().Count());
        }
    }
}
