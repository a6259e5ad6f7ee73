using System;
using System.Linq;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    public class DmaTests
    {
        [Fact]
        public void ToDeviceMappingCleansSoTheDeviceSeesCpuData()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                p.Write(Pattern(256, 1));
                DmaAddr a = dma_map_single(dev, p, 256, DMA_TO_DEVICE);
                Assert.False(dma_mapping_error(dev, a));
                Assert.Equal(virt_to_phys(p).Value, a.Value); // bus == phys, no bounce
                var seen = new byte[256];
                dev.DmaRead(a, seen);
                Assert.Equal(Pattern(256, 1), seen);
                dma_unmap_single(dev, a, 256, DMA_TO_DEVICE);
                Assert.Empty(m.DebugReports);
            }
        }

        [Fact]
        public void FromDeviceNeedsUnmapOrSyncBeforeTheCpuSeesIt()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kzalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 256, DMA_FROM_DEVICE);
                Assert.False(dma_mapping_error(dev, a));
                _ = p.ToArray(256); // a speculative read pulls stale lines in
                dev.DmaWrite(a, Pattern(256, 2));
                Assert.All(p.ToArray(256), b => Assert.Equal(0, b));
                dma_sync_single_for_cpu(dev, a, 256, DMA_FROM_DEVICE);
                Assert.Equal(Pattern(256, 2), p.ToArray(256));
                dma_sync_single_for_device(dev, a, 256, DMA_FROM_DEVICE);
                dev.DmaWrite(a + 128, Pattern(128, 3));
                dma_unmap_single(dev, a, 256, DMA_FROM_DEVICE);
                Assert.Equal(Pattern(128, 3), p.ToArray(256).Skip(128).ToArray());

                // The two reads before the sync for the CPU touched memory the device owned: each is reported (PA0006).
                Assert.Equal(new[] { "PA0006", "PA0006" }, m.DebugReports.Select(r => r.RuleId));
                Assert.All(m.DebugReports, r => Assert.Contains("CPU reads memory the device owns", r.Message));
            }
        }

        [Fact]
        public void SkipCpuSyncSkipsMaintenance()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(128, GFP_KERNEL);
                p.Write(Pattern(128, 4));
                DmaAddr a = dma_map_single_attrs(dev, p, 128, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
                dma_mapping_error(dev, a);
                var seen = new byte[128];
                dev.DmaRead(a, seen);
                Assert.NotEqual(Pattern(128, 4), seen); // never cleaned
                dma_unmap_single_attrs(dev, a, 128, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
            }
        }

        [Fact]
        public void BeyondMaskWithoutSwiotlbFailsWithAMessage()
        {
            Machine m = Boot(swiotlb: 0);
            using (m.Enter())
            {
                Device dev = m.CreateDevice("d32", coherent: false, dmaMaskBits: 32);
                KernelPtr p = kmalloc(64, GFP_KERNEL);
                Assert.True(virt_to_phys(p).Value >= 4UL << 30);
                DmaAddr a = dma_map_single(dev, p, 64, DMA_FROM_DEVICE);
                Assert.Equal(DMA_MAPPING_ERROR, a);
                Assert.True(dma_mapping_error(dev, a));
                Assert.True(HasReport(m, "overflow (mask ffffffff"));
                KernelPtr low = kmalloc(64, GFP_KERNEL | GFP_DMA32);
                Assert.False(dma_mapping_error(dev, dma_map_single(dev, low, 64, DMA_FROM_DEVICE)));
            }
        }

        [Fact]
        public void BadInputIsRejected()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("d", coherent: false);
                KernelPtr p = kmalloc(64, GFP_KERNEL);
                Assert.Throws<ArgumentNullException>(() => dma_map_single(null!, p, 64, DMA_TO_DEVICE));
                Assert.Throws<ArgumentOutOfRangeException>(() => dma_map_single(dev, p, -1, DMA_TO_DEVICE));
                Assert.Throws<KernelBugException>(() => dma_map_single(dev, p, 64, DMA_NONE));
                // BUG_ON(!valid_dma_direction(dir)): any value but the three directions is a kernel BUG.
                Assert.Throws<KernelBugException>(() => dma_map_single(dev, p, 64, (DmaDirection)7));
                Assert.Throws<KernelBugException>(() => dma_unmap_single(dev, new DmaAddr(0x5000_0000), 64, (DmaDirection)(-1)));
                Assert.Throws<KernelBugException>(() => dma_sync_single_for_cpu(dev, new DmaAddr(0x5000_0000), 64, (DmaDirection)4));
                Assert.Throws<KernelBugException>(() => swiotlb_map(dev, virt_to_phys(p), 64, (DmaDirection)9, 0));
                Assert.Contains(m.DebugReports, r => r.Message.Contains("!valid_dma_direction(9)"));
                Assert.Throws<KasanException>(() => dma_map_single(dev, p, 65, DMA_TO_DEVICE));
                Assert.Equal(DMA_MAPPING_ERROR, dma_map_single(dev, NULL, 64, DMA_TO_DEVICE));
                Assert.True(HasReport(m, "device driver maps memory from invalid area"));
                kfree(p);
                Assert.Throws<KasanException>(() => dma_map_single(dev, p, 8, DMA_FROM_DEVICE));
                Machine other = Boot();
                Assert.Throws<ArgumentException>(() => dma_map_single(other.CreateDevice("o", false), kmalloc(8, GFP_KERNEL), 8, DMA_TO_DEVICE));
            }
        }

        [Fact]
        public void ScatterlistMapsEveryEntry()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                var sgl = Enumerable.Range(0, 3).Select(_ => new ScatterList()).ToArray();
                sg_init_table(sgl, 3);
                Assert.True(sgl[2].IsEnd);
                KernelPtr[] bufs = { kzalloc(128, GFP_KERNEL), kzalloc(256, GFP_KERNEL), kzalloc(512, GFP_KERNEL) };
                for (int i = 0; i < 3; i++) sg_set_buf(sgl[i], bufs[i], 128 << i);
                Assert.Equal(3, dma_map_sg(dev, sgl, 3, DMA_FROM_DEVICE));
                for (int i = 0; i < 3; i++)
                {
                    Assert.Equal(virt_to_phys(bufs[i]).Value, sg_dma_address(sgl[i]).Value);
                    Assert.Equal(128 << i, sg_dma_len(sgl[i]));
                    dev.DmaWrite(sg_dma_address(sgl[i]), Pattern(128 << i, (byte)i));
                }
                dma_unmap_sg(dev, sgl, 3, DMA_FROM_DEVICE);
                for (int i = 0; i < 3; i++) Assert.Equal(Pattern(128 << i, (byte)i), bufs[i].ToArray(128 << i));
                Assert.Empty(m.DebugReports);
                var one = new ScatterList();
                sg_init_one(one, bufs[0], 64);
                Assert.Equal(bufs[0], sg_virt(one));
                Assert.Throws<ArgumentOutOfRangeException>(() => dma_map_sg(dev, sgl, 4, DMA_TO_DEVICE));
            }
        }

        [Fact]
        public void ScatterlistFailureUnmapsWhatWasMapped()
        {
            Machine m = Boot(swiotlb: 0);
            using (m.Enter())
            {
                Device dev = m.CreateDevice("d32", coherent: false, dmaMaskBits: 32);
                var sgl = new[] { new ScatterList(), new ScatterList() };
                sg_init_table(sgl, 2);
                sg_set_buf(sgl[0], kmalloc(128, GFP_DMA32), 128);
                sg_set_buf(sgl[1], kmalloc(128, GFP_KERNEL), 128); // above 4 GiB, no swiotlb
                Assert.Equal(0, dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE));
                Assert.Equal(0, m.Debug.Count); // nothing stays mapped
            }
        }

        [Fact]
        public void ScatterlistEntriesBounceIndependently()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("d32", coherent: false, dmaMaskBits: 32);
                var sgl = new[] { new ScatterList(), new ScatterList() };
                sg_init_table(sgl, 2);
                KernelPtr low = kzalloc(128, GFP_DMA32), high = kzalloc(128, GFP_KERNEL);
                sg_set_buf(sgl[0], low, 128);
                sg_set_buf(sgl[1], high, 128);
                Assert.Equal(2, dma_map_sg(dev, sgl, 2, DMA_BIDIRECTIONAL));
                Assert.False(is_swiotlb_buffer(dev, new PhysAddr(sgl[0].DmaAddress.Value)));
                Assert.True(is_swiotlb_buffer(dev, new PhysAddr(sgl[1].DmaAddress.Value)));
                dev.DmaWrite(sgl[1].DmaAddress, Pattern(128, 6));
                dma_sync_sg_for_cpu(dev, sgl, 2, DMA_BIDIRECTIONAL);
                Assert.Equal(Pattern(128, 6), high.ToArray(128));
                dma_unmap_sg(dev, sgl, 2, DMA_BIDIRECTIONAL);
                Assert.Equal(0, m.Swiotlb.UsedSlots);
            }
        }

        [Fact]
        public void ABadScatterlistEntryLeavesNothingMapped()
        {
            // An entry that faults (freed buffer, foreign pointer) must not strand the bounce slots of the entries
            // before it: the list is checked before anything is mapped.
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("d32", coherent: false, dmaMaskBits: 32);
                KernelPtr high = kmalloc(128, GFP_KERNEL);
                Assert.True(virt_to_phys(high).Value >= 4UL << 30); // will bounce
                KernelPtr gone = kmalloc(128, GFP_KERNEL);
                kfree(gone);
                var sgl = new[] { new ScatterList(), new ScatterList() };
                sg_init_table(sgl, 2);
                sg_set_buf(sgl[0], high, 128);
                sg_set_buf(sgl[1], gone, 128);
                Assert.Throws<KasanException>(() => dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE));
                Assert.Equal(0, m.Swiotlb.UsedSlots);
                KernelPtr foreign;
                using (Boot().Enter()) foreign = kmalloc(128, GFP_KERNEL);
                sg_set_buf(sgl[1], foreign, 128);
                Assert.Throws<ArgumentException>(() => dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE));
                Assert.Equal(0, m.Swiotlb.UsedSlots);
                Assert.Equal(0, m.Debug.Count);
            }
        }

        [Theory]
        [InlineData(false, DmaDirection.DMA_FROM_DEVICE, 24, true)]
        [InlineData(false, DmaDirection.DMA_BIDIRECTIONAL, 96, true)]
        [InlineData(false, DmaDirection.DMA_FROM_DEVICE, 128, false)]
        [InlineData(false, DmaDirection.DMA_FROM_DEVICE, 129, true)]
        [InlineData(false, DmaDirection.DMA_FROM_DEVICE, 192, true)]
        [InlineData(false, DmaDirection.DMA_FROM_DEVICE, 193, false)]
        [InlineData(false, DmaDirection.DMA_FROM_DEVICE, 0, false)]
        [InlineData(false, DmaDirection.DMA_FROM_DEVICE, 100000, false)]
        [InlineData(false, DmaDirection.DMA_FROM_DEVICE, (4 << 20) + 1, false)]  // beyond KMALLOC_MAX_SIZE: no kmalloc object
        [InlineData(false, DmaDirection.DMA_FROM_DEVICE, 5_000_000, false)]
        [InlineData(false, DmaDirection.DMA_TO_DEVICE, 24, false)]
        [InlineData(true, DmaDirection.DMA_FROM_DEVICE, 24, false)]
        public void DmaKmallocNeedsBounceFollowsTheSpec(bool coherent, DmaDirection dir, int size, bool expected)
        {
            foreach (bool kb in new[] { false, true }) // whatever KmallocBounce says
            {
                Machine m = Boot(kmallocBounce: kb);
                Assert.Equal(expected, dma_kmalloc_needs_bounce(m.CreateDevice("d", coherent), size, dir));
            }
        }

        [Fact]
        public void DmaKmallocNeedsBounceUsesTheMachinesAlignment()
        {
            Machine m = Boot(dmaMinAlign: 64);
            Device dev = m.CreateDevice("d", coherent: false);
            Assert.False(dma_kmalloc_needs_bounce(dev, 64, DMA_FROM_DEVICE));
            Assert.True(dma_kmalloc_needs_bounce(dev, 96, DMA_FROM_DEVICE));
            Assert.False(dma_kmalloc_needs_bounce(dev, 129, DMA_FROM_DEVICE));
            Assert.Throws<ArgumentOutOfRangeException>(() => dma_kmalloc_needs_bounce(dev, -1, DMA_FROM_DEVICE));
            Assert.True(dev_is_dma_coherent(m.CreateDevice("c", coherent: true)));
            Assert.False(dev_is_dma_coherent(dev));
        }
    }
}
