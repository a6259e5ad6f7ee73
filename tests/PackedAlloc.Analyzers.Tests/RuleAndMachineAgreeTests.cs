using System.Collections.Generic;
using System.Linq;
using PackedAlloc.Analyzers.Flow;
using PackedAlloc.Runtime;
using Xunit;
using static PackedAlloc.Runtime.Kernel;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// Three answers to "can this packed buffer, mapped without a bounce, lose data?" must agree (issue 13): the
    /// emulated machine (does the data really get lost?), the runtime's <c>dma_kmalloc_needs_bounce</c>, and
    /// PA0001's own size and direction rule. Every size 1–4096, every direction, coherent and non-coherent devices,
    /// and a cache line of 64 and of 128 bytes (with <c>ARCH_DMA_MINALIGN</c> equal to it, as on the machines the
    /// kernel sizes it for). A disagreement is a bug in one of the three.
    /// </summary>
    public class RuleAndMachineAgreeTests
    {
        private static readonly DmaDirection[] Directions = { DmaDirection.DMA_TO_DEVICE, DmaDirection.DMA_FROM_DEVICE, DmaDirection.DMA_BIDIRECTIONAL };

        [Theory]
        [InlineData(64)]
        [InlineData(128)]
        public void EverySizeAndDirection_TheMachineTheRuntimeAndTheRuleAgree(int lineSize)
        {
            var lossByClass = new Dictionary<(int SizeClass, DmaDirection Direction, bool Coherent), bool>();
            var disagreements = new List<string>();
            var machine = Machine.Boot(new MachineOptions { CacheLineSize = lineSize, DmaMinAlign = lineSize, TrackAllocationSites = false });
            using (machine.Enter())
            {
                var devices = new Dictionary<bool, Device> { [false] = machine.CreateDevice("noncoherent", coherent: false), [true] = machine.CreateDevice("coherent", coherent: true) };
                for (int size = 1; size <= 4096; size++)
                {
                    foreach (var coherent in new[] { false, true })
                    {
                        foreach (var direction in Directions)
                        {
                            int sizeClass = SizeClassOf(size);
                            var key = (sizeClass, direction, coherent);
                            if (!lossByClass.TryGetValue(key, out bool loses))
                            {
                                lossByClass[key] = loses = LosesData(lineSize, size, direction, coherent);
                            }

                            bool needsBounce = dma_kmalloc_needs_bounce(devices[coherent], size, direction);

                            // The rule does not know the device's coherence unless the code says it (a check, a device
                            // created coherent): what it says is what a non-coherent device needs.
                            bool rule = SizeClasses.IsUnsafe(lineSize)(size)
                                && SizeClasses.IsDeviceWritable((long)direction, (long)DmaDirection.DMA_TO_DEVICE, (long)DmaDirection.DMA_NONE);
                            if (loses != needsBounce || (!coherent && rule != needsBounce))
                            {
                                disagreements.Add($"line {lineSize}, size {size} (class {sizeClass}), {direction}, coherent {coherent}: machine loses data {loses}, needs_bounce {needsBounce}, PA0001 {rule}");
                            }
                        }
                    }
                }
            }

            Assert.True(disagreements.Count == 0, string.Join("\n", disagreements.Take(20)));

            // Not vacuous: each answer occurs, for both line sizes.
            Assert.Contains(true, lossByClass.Values);
            Assert.Contains(false, lossByClass.Values);
        }

        private static int SizeClassOf(int size)
        {
            var p = kmalloc(size, GFP_KERNEL | __GFP_PACKED);
            try
            {
                return ksize(p);
            }
            finally
            {
                kfree(p);
            }
        }

        /// <summary>
        /// The hazard on a machine of its own: three packed objects of one size in a row, the middle one mapped
        /// without a bounce, the CPU writing its neighbours, the device writing it (where the direction lets it), the
        /// cache evicting everything before the unmap. Data is lost when the middle object or a neighbour does not
        /// hold what was last written to it.
        /// </summary>
        private static bool LosesData(int lineSize, int size, DmaDirection direction, bool coherent)
        {
            var machine = Machine.Boot(new MachineOptions { CacheLineSize = lineSize, DmaMinAlign = lineSize, TrackAllocationSites = false });
            using (machine.Enter())
            {
                var dev = machine.CreateDevice("dev", coherent);
                var objects = Enumerable.Range(0, 3).Select(_ => kmalloc(size, GFP_KERNEL | __GFP_PACKED)).ToArray();
                var neighbours = new[] { objects[0], objects[2] };
                foreach (var p in objects)
                {
                    memset(p, 0xAA, size);
                }

                var middle = objects[1];
                var addr = dma_map_single(dev, middle, size, direction);
                Assert.False(dma_mapping_error(dev, addr));
                var cpuData = Enumerable.Range(0, size).Select(i => (byte)(0x40 + i)).ToArray();
                foreach (var neighbour in neighbours)
                {
                    neighbour.Write(cpuData);
                }

                var expectedMiddle = Enumerable.Repeat((byte)0xAA, size).ToArray();
                if (direction != DmaDirection.DMA_TO_DEVICE)
                {
                    expectedMiddle = Enumerable.Range(0, size).Select(i => (byte)(0x10 + i)).ToArray();
                    dev.DmaWrite(addr, expectedMiddle);
                }

                machine.Cache.EvictAll();
                dma_unmap_single(dev, addr, size, direction);
                return !middle.ToArray(size).SequenceEqual(expectedMiddle)
                    || neighbours.Any(n => !n.ToArray(size).SequenceEqual(cpuData));
            }
        }
    }
}
