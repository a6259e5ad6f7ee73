using System.Linq;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>
    /// The end-to-end hazard: two objects in one cache line; A is mapped DMA_FROM_DEVICE on a non-coherent device;
    /// the CPU writes B; the device writes A; unmap. Which data survives depends on packing, coherence and bouncing.
    /// </summary>
    public class HazardTests
    {
        private sealed record Outcome(byte[] A, byte[] B, byte[] DeviceData, byte[] CpuData, KernelPtr PtrA, KernelPtr PtrB, Machine Machine);

        private static Outcome Run(Machine m, GfpFlags flags, bool coherent, bool evictBeforeUnmap, bool viaSwiotlb = false, int dmaMaskBits = 64)
        {
            using (m.Enter())
            {
                Device dev = m.CreateDevice("eth0", coherent, dmaMaskBits);
                KernelPtr a = kmalloc(24, flags);
                KernelPtr b = kmalloc(24, flags);
                memset(a, 0xAA, 24);
                memset(b, 0xBB, 24);
                DmaAddr addr = viaSwiotlb ? swiotlb_map(dev, virt_to_phys(a), 24, DMA_FROM_DEVICE, 0) : dma_map_single(dev, a, 24, DMA_FROM_DEVICE);
                Assert.False(dma_mapping_error(dev, addr));
                byte[] cpuData = Pattern(24, 0x40);
                b.Write(cpuData);                         // the CPU writes the neighbour: its line is dirty in the cache
                byte[] deviceData = Pattern(24, 0x10);
                dev.DmaWrite(addr, deviceData);           // the device writes A (to RAM when non-coherent)
                if (evictBeforeUnmap) m.Cache.EvictAll(); // the cache evicts the dirty line whenever it likes
                dma_unmap_single(dev, addr, 24, DMA_FROM_DEVICE);
                return new Outcome(a.ToArray(24), b.ToArray(24), deviceData, cpuData, a, b, m);
            }
        }

        [Fact]
        public void PackedObjectsShareACacheLine()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr a = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                KernelPtr b = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                Assert.Equal(32L, b - a);
                Assert.Equal(virt_to_phys(a).Value / 64, virt_to_phys(b).Value / 64);
            }
        }

        [Fact]
        public void PackedNonCoherent_EvictionOverwritesTheDeviceData()
        {
            Outcome o = Run(Boot(), GFP_KERNEL | __GFP_PACKED, coherent: false, evictBeforeUnmap: true);
            // The dirty line held A's old contents; its write-back landed on top of what the device wrote.
            Assert.Equal(Enumerable.Repeat((byte)0xAA, 24).ToArray(), o.A);
            Assert.NotEqual(o.DeviceData, o.A);
            Assert.Equal(o.CpuData, o.B);
        }

        [Fact]
        public void PackedNonCoherent_Arm64UnmapCleansThePartialLine_DeviceDataLost()
        {
            // arm64's dcache_inval_poc cleans+invalidates lines only partly covered: the CPU's dirty line is
            // written back over the device's data at unmap time, even without an eviction.
            Outcome o = Run(Boot(), GFP_KERNEL | __GFP_PACKED, coherent: false, evictBeforeUnmap: false);
            Assert.NotEqual(o.DeviceData, o.A);
            Assert.Equal(o.CpuData, o.B);
            Assert.Contains(o.Machine.DebugReports, r => r.RuleId == "PA0001");
        }

        [Fact]
        public void PackedNonCoherent_PlainInvalidateDiscardsTheNeighbourWrite()
        {
            Machine m = Boot(partial: PartialLineInvalidate.Invalidate);
            Outcome o = Run(m, GFP_KERNEL | __GFP_PACKED, coherent: false, evictBeforeUnmap: false);
            Assert.Equal(o.DeviceData, o.A);
            Assert.NotEqual(o.CpuData, o.B);                          // the CPU's write to B is gone
            Assert.Equal(Enumerable.Repeat((byte)0xBB, 24).ToArray(), o.B);
            Assert.True(m.Cache.DiscardedDirtyLines > 0);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void NonPacked_NothingLost(bool evict)
        {
            Outcome o = Run(Boot(), GFP_KERNEL, coherent: false, evictBeforeUnmap: evict);
            Assert.Equal(128L, o.PtrB - o.PtrA);
            Assert.Equal(o.DeviceData, o.A);
            Assert.Equal(o.CpuData, o.B);
            Assert.DoesNotContain(o.Machine.DebugReports, r => r.RuleId == "PA0001");
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void CoherentDevice_NothingLost(bool evict)
        {
            Outcome o = Run(Boot(), GFP_KERNEL | __GFP_PACKED, coherent: true, evictBeforeUnmap: evict);
            Assert.Equal(32L, o.PtrB - o.PtrA);
            Assert.Equal(o.DeviceData, o.A);
            Assert.Equal(o.CpuData, o.B);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void BouncedThroughSwiotlbMap_NothingLost(bool evict)
        {
            Outcome o = Run(Boot(), GFP_KERNEL | __GFP_PACKED, coherent: false, evictBeforeUnmap: evict, viaSwiotlb: true);
            Assert.Equal(o.DeviceData, o.A);
            Assert.Equal(o.CpuData, o.B);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public void KmallocBounce_NothingLost(bool evict)
        {
            Machine m = Boot(kmallocBounce: true);
            Outcome o = Run(m, GFP_KERNEL | __GFP_PACKED, coherent: false, evictBeforeUnmap: evict);
            Assert.Equal(32L, o.PtrB - o.PtrA); // still packed: the mapping bounced instead
            Assert.Equal(o.DeviceData, o.A);
            Assert.Equal(o.CpuData, o.B);
            Assert.Equal(0, m.Swiotlb.UsedSlots);
            Assert.True(m.Swiotlb.HighWater > 0);
        }

        [Fact]
        public void BeyondMaskBounce_NothingLost()
        {
            // A 32-bit device and a buffer above 4 GiB: dma-direct bounces by itself.
            Machine m = Boot();
            Outcome o = Run(m, GFP_KERNEL | __GFP_PACKED, coherent: false, evictBeforeUnmap: true, dmaMaskBits: 32);
            Assert.True(virt_to_phys(o.PtrA).Value >= 4UL << 30);
            Assert.Equal(o.DeviceData, o.A);
            Assert.Equal(o.CpuData, o.B);
        }

        /// <summary>
        /// The kernel's rule (and so dma_kmalloc_needs_bounce and PA0001's dma_minalign) goes by ARCH_DMA_MINALIGN, the
        /// largest cache line any arm64 system has; the data is lost only where objects share a line of this machine.
        /// A 48-byte packed buffer (kmalloc-64) has a 64-byte line to itself, and shares a 128-byte one.
        /// </summary>
        [Theory]
        [InlineData(64, false)]
        [InlineData(128, true)]
        public void A48BytePackedBuffer_IsCorruptedOnlyWhereACacheLineHoldsTwoObjects(int lineSize, bool corrupted)
        {
            Machine m = Boot(lineSize: lineSize);
            using (m.Enter())
            {
                Device dev = m.CreateDevice("eth0", coherent: false);
                Assert.True(dma_kmalloc_needs_bounce(dev, 48, DMA_FROM_DEVICE)); // on both machines
                KernelPtr a = kmalloc(48, GFP_KERNEL | __GFP_PACKED);
                KernelPtr b = kmalloc(48, GFP_KERNEL | __GFP_PACKED);
                Assert.Equal(64L, b - a);
                Assert.Equal(0UL, virt_to_phys(a).Value % 128);
                memset(a, 0xAA, 48);
                DmaAddr addr = dma_map_single(dev, a, 48, DMA_FROM_DEVICE);
                Assert.False(dma_mapping_error(dev, addr));
                b.Write(Pattern(48, 0x40));
                byte[] deviceData = Pattern(48, 0x10);
                dev.DmaWrite(addr, deviceData);
                dma_unmap_single(dev, addr, 48, DMA_FROM_DEVICE);
                Assert.Equal(corrupted, !deviceData.SequenceEqual(a.ToArray(48)));
                Assert.Equal(corrupted, m.DebugReports.Any(r => r.RuleId == "PA0001"));
            }
        }
    }
}