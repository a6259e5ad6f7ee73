using System;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// The fast path makes no managed garbage once warm (issue 15): users run soaks of millions of allocations and
    /// mappings on the emulation, and per-call garbage is what made them slow. Counted with the runtime's own
    /// per-thread allocation counter, not timed.
    /// </summary>
    public class SteadyStateAllocationTests
    {
        private const int Calls = 2_000;

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void KmallocKfree_AllocatesNothingPerCall(bool sites)
        {
            var machine = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, TrackAllocationSites = sites });
            using (machine.Enter())
            {
                long bytes = AllocatedBy(() => kfree(kmalloc(64, GFP_KERNEL)));
                Assert.Equal(0, bytes);
            }
        }

        /// <summary>
        /// A direct mapping, its error check and its unmap make no garbage, coherent or not (with the cache maintenance),
        /// with dma-debug's bookkeeping or without: dma-debug recycles its entries and lists per device.
        /// </summary>
        [Theory]
        [InlineData(true, false)]
        [InlineData(false, false)]
        [InlineData(true, true)]
        [InlineData(false, true)]
        public void DirectMapping_AllocatesNothing(bool coherent, bool dmaDebug)
        {
            var machine = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, DmaDebug = dmaDebug });
            var dev = machine.CreateDevice("dev", coherent);
            using (machine.Enter())
            {
                KernelPtr buffer = kmalloc(256, GFP_KERNEL);
                long bytes = AllocatedBy(() =>
                {
                    var addr = dma_map_single(dev, buffer, 256, DMA_FROM_DEVICE);
                    Assert.False(dma_mapping_error(dev, addr));
                    dma_unmap_single(dev, addr, 256, DMA_FROM_DEVICE);
                });
                Assert.Equal(0, bytes);
                Assert.Empty(machine.DebugReports);
            }
        }

        /// <summary>A bounce through the swiotlb, its check and its unmap make no garbage either, at every size the benchmarks time.</summary>
        [Theory]
        [InlineData(64)]
        [InlineData(4096)]
        [InlineData(65536)]
        public void SwiotlbBounce_AllocatesNothing(int size)
        {
            // A 2 MiB pool (1,024 slots): the warm-up's 2,000 mappings walk all of it, so the emulated RAM behind every
            // slot exists before the windows count (a 64 MiB pool would still be growing it, 8 MiB per 4 MiB section).
            var machine = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, SwiotlbBytes = 2L << 20 });
            var dev = machine.CreateDevice("dev", coherent: false);
            using (machine.Enter())
            {
                KernelPtr buffer = kmalloc(size, GFP_KERNEL);
                long bytes = AllocatedBy(() =>
                {
                    var addr = swiotlb_map(dev, virt_to_phys(buffer), size, DMA_BIDIRECTIONAL, DmaAttrs.None);
                    Assert.False(dma_mapping_error(dev, addr));
                    dma_unmap_single(dev, addr, size, DMA_BIDIRECTIONAL);
                });
                Assert.Equal(0, bytes);
                Assert.Empty(machine.DebugReports);
            }
        }

        /// <summary>Syncs of a live mapping in order make no garbage, with dma-debug's check of each (check_sync) included.</summary>
        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void SyncsOfALiveMapping_AllocateNothing(bool dmaDebug)
        {
            var machine = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, DmaDebug = dmaDebug });
            var dev = machine.CreateDevice("dev", coherent: false);
            using (machine.Enter())
            {
                KernelPtr buffer = kmalloc(256, GFP_KERNEL);
                var addr = dma_map_single(dev, buffer, 256, DMA_FROM_DEVICE);
                Assert.False(dma_mapping_error(dev, addr));
                long bytes = AllocatedBy(() =>
                {
                    dma_sync_single_for_cpu(dev, addr, 256, DMA_FROM_DEVICE);
                    dma_sync_single_for_device(dev, addr, 256, DMA_FROM_DEVICE);
                });
                Assert.Equal(0, bytes);
                dma_unmap_single(dev, addr, 256, DMA_FROM_DEVICE);
                Assert.Empty(machine.DebugReports);
            }
        }

        /// <summary>
        /// Bytes allocated on this thread by <see cref="Calls"/> calls of <paramref name="call"/> once warm: the fewest
        /// of five windows, after one to warm up. One-off growth (a dictionary resizing, the runtime's own tiering)
        /// lands in some window; what every call allocates is in all of them.
        /// </summary>
        private static long AllocatedBy(Action call)
        {
            for (int i = 0; i < Calls; i++) call();
            long fewest = long.MaxValue;
            for (int window = 0; window < 5; window++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Calls; i++) call();
                fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
            }

            return fewest;
        }
    }
}
