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

        public static IEnumerable<object[]> BuggyUnderEveryDesign() =>
            from s in Scenarios.All
            where s.Buggy
            from design in new[] { BounceDesign.Swiotlb, BounceDesign.PackedDisabled, BounceDesign.CoherentPool, BounceDesign.ObjectPool }
            from mode in new[] { PartialLineInvalidate.CleanAndInvalidate, PartialLineInvalidate.Invalidate }
            select new object[] { s.ToString(), design, mode };

        /// <summary>
        /// Each bounce design makes the buggy drivers safe as they are (issue 12): the packed buffers they map for the
        /// device to write bounce (or, with packing disabled, are DMA-aligned), so nothing is lost on either side and
        /// dma-debug has no shared cache line to report.
        /// </summary>
        [Theory]
        [MemberData(nameof(BuggyUnderEveryDesign))]
        public void BuggyDriver_IsMadeSafeByEveryDesign(string scenario, BounceDesign design, PartialLineInvalidate mode)
        {
            Scenario s = Scenarios.All.Single(x => x.ToString() == scenario);
            Machine m = Machine.Boot(new MachineOptions
            {
                CacheLineSize = 64, DmaMinAlign = 128, SwiotlbBytes = 4L << 20, PartialLineInvalidate = mode, TrackAllocationSites = false,
                BounceDesign = design, KmallocBounce = design == BounceDesign.Swiotlb,
            });
            TransferOutcome o = s.Run(m);
            Assert.NotEmpty(o.Slots);
            Assert.All(o.Slots, x => Assert.Contains(x.DeviceWrote, b => b != 0));
            Assert.All(o.Slots, x => Assert.Equal(x.DeviceWrote, x.DeviceReadBack));
            Assert.All(o.Slots, x => Assert.Equal(x.CpuWrote, x.CpuReadBack));
            Assert.Empty(o.Pa0001Reports);
            if (design != BounceDesign.PackedDisabled) Assert.True(m.BounceStatistics.Bounces > 0, "nothing bounced");
            Assert.Equal(0, m.BounceStatistics.InUseBytes);
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
