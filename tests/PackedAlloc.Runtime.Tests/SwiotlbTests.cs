using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    public class SwiotlbTests
    {
        [Fact]
        public void DefaultPoolIs64MiBOf2KiBSlots()
        {
            Machine m = Machine.Boot();
            Assert.True(m.Swiotlb.IsActive);
            Assert.Equal(32768, m.Swiotlb.TotalSlots);
            Assert.Equal(0, m.Swiotlb.UsedSlots);
            Assert.False(Machine.Boot(new MachineOptions { SwiotlbBytes = 0 }).Swiotlb.IsActive);
        }

        [Fact]
        public void SwiotlbMapAlwaysBouncesAndCopiesPerDirection()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(300, GFP_KERNEL);
                p.Write(Pattern(300, 1));
                DmaAddr a = swiotlb_map(dev, virt_to_phys(p), 300, DMA_BIDIRECTIONAL, 0);
                Assert.False(dma_mapping_error(dev, a));
                Assert.True(is_swiotlb_buffer(dev, new PhysAddr(a.Value)));
                Assert.False(is_swiotlb_buffer(dev, virt_to_phys(p)));
                Assert.Equal(1, m.Swiotlb.UsedSlots);
                var seen = new byte[300];
                dev.DmaRead(a, seen);
                Assert.Equal(Pattern(300, 1), seen);           // bounced in (and cleaned) at map time
                dev.DmaWrite(a, Pattern(300, 2));
                Assert.Equal(Pattern(300, 1), p.ToArray(300)); // the original is untouched until sync/unmap
                // That read touched memory the device owns: reported (PA0006), the one report of this test.
                Assert.Equal("PA0006", Assert.Single(m.DebugReports).RuleId);
                m.ClearDebugReports();
                dma_sync_single_for_cpu(dev, a, 300, DMA_BIDIRECTIONAL);
                Assert.Equal(Pattern(300, 2), p.ToArray(300));
                p.Write(Pattern(300, 3));
                dma_sync_single_for_device(dev, a, 300, DMA_BIDIRECTIONAL);
                dev.DmaRead(a, seen);
                Assert.Equal(Pattern(300, 3), seen);
                dma_unmap_single(dev, a, 300, DMA_BIDIRECTIONAL);
                Assert.Equal(0, m.Swiotlb.UsedSlots);
                Assert.Empty(m.DebugReports);
            }
        }

        [Fact]
        public void FromDeviceMapCopiesTheOriginalInSoAPartialDeviceWriteLosesNothing()
        {
            // swiotlb_tbl_map_single bounces DMA_TO_DEVICE at map time for every direction (since 2022): the
            // bytes the device does not write come back as they were, not as stale bounce-buffer contents.
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(512, GFP_KERNEL);
                p.Write(Pattern(512, 3));
                DmaAddr a = swiotlb_map(dev, virt_to_phys(p), 512, DMA_FROM_DEVICE, 0);
                Assert.False(dma_mapping_error(dev, a));
                var seen = new byte[512];
                dev.DmaRead(a, seen);
                Assert.Equal(Pattern(512, 3), seen); // in RAM for the device: copied and cleaned
                dev.DmaWrite(a, Pattern(16, 200));
                dma_unmap_single(dev, a, 512, DMA_FROM_DEVICE);
                Assert.Equal(Pattern(16, 200), p.ToArray(16));
                Assert.Equal(Pattern(512, 3).AsSpan(16).ToArray(), (p + 16).ToArray(496));
            }
        }

        [Fact]
        public void ToDeviceUnmapDoesNotCopyBack()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(64, GFP_KERNEL);
                p.Write(Pattern(64, 1));
                DmaAddr a = swiotlb_map(dev, virt_to_phys(p), 64, DMA_TO_DEVICE, 0);
                dma_mapping_error(dev, a);
                dev.DmaWrite(a, Pattern(64, 9)); // a misbehaving device
                dma_unmap_single(dev, a, 64, DMA_TO_DEVICE);
                Assert.Equal(Pattern(64, 1), p.ToArray(64));
            }
        }

        [Fact]
        public void MappingsNeverCrossASegmentAndLargeOnesArePageAligned()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr small = kmalloc(100, GFP_KERNEL);
                DmaAddr s = swiotlb_map(dev, virt_to_phys(small), 100, DMA_TO_DEVICE, 0);
                KernelPtr big = kmalloc(10000, GFP_KERNEL);
                DmaAddr b = swiotlb_map(dev, virt_to_phys(big), 10000, DMA_TO_DEVICE, 0);
                Assert.Equal(0UL, b.Value % 4096);
                ulong segBytes = 128 * 2048;
                Assert.Equal(b.Value / segBytes, (b.Value + 9999) / segBytes);
                Assert.Equal(1 + 5, m.Swiotlb.UsedSlots);
                KernelPtr huge = kmalloc(300 * 1024, GFP_KERNEL);
                Assert.Equal(DMA_MAPPING_ERROR, swiotlb_map(dev, virt_to_phys(huge), 300 * 1024, DMA_TO_DEVICE, 0)); // > 256 KiB
                Assert.True(HasReport(m, "swiotlb buffer is full"));
                dma_unmap_single(dev, s, 100, DMA_TO_DEVICE);
                dma_unmap_single(dev, b, 10000, DMA_TO_DEVICE);
                Assert.Empty(m.Swiotlb.Validate());
            }
        }

        [Fact]
        public void OffsetWithinTheDevicesGranuleIsPreserved()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device nvme = m.CreateDevice("nvme0", coherent: false);
                nvme.MinAlignMask = 4095;
                KernelPtr p = kmalloc(8192, GFP_KERNEL);
                foreach (int off in new[] { 8, 520, 2056, 4000 })
                {
                    PhysAddr pa = virt_to_phys(p + off);
                    DmaAddr a = swiotlb_map(nvme, pa, 64, DMA_FROM_DEVICE, 0);
                    Assert.False(dma_mapping_error(nvme, a));
                    Assert.Equal(pa.Value & 4095, a.Value & 4095);
                    nvme.DmaWrite(a, Pattern(64, (byte)off));
                    dma_unmap_single(nvme, a, 64, DMA_FROM_DEVICE);
                    Assert.Equal(Pattern(64, (byte)off), (p + off).ToArray(64));
                }
                Device plain = m.CreateDevice("plain", coherent: false);
                DmaAddr z = swiotlb_map(plain, virt_to_phys(p + 24), 16, DMA_TO_DEVICE, 0);
                Assert.Equal(0UL, z.Value % 2048); // no granule: slot-aligned
                dma_unmap_single(plain, z, 16, DMA_TO_DEVICE);
                Assert.Empty(m.Swiotlb.Validate());
                Assert.Throws<ArgumentOutOfRangeException>(() => plain.MinAlignMask = 100);
            }
        }

        [Fact]
        public void AnyMinAlignMaskTurnsOffTheHistoricPageAlignment()
        {
            // swiotlb_search_pool_area: mappings >= PAGE_SIZE are page aligned only when neither alloc_align_mask
            // nor dma_get_min_align_mask(dev) is set; a device mask below the slot size (2047) still counts.
            Machine m = Machine.Boot(new MachineOptions { SwiotlbBytes = 1L << 20, SwiotlbAreas = 1 });
            using (m.Enter())
            {
                Device dev = m.CreateDevice("d", coherent: false);
                dev.MinAlignMask = 2047;
                KernelPtr p = kmalloc(8192, GFP_KERNEL);
                ulong start = Assert.Single(m.Swiotlb.PoolsSnapshot).Start;
                DmaAddr first = swiotlb_map(dev, virt_to_phys(p), 64, DMA_TO_DEVICE, 0);
                Assert.Equal(start, first.Value);
                DmaAddr big = swiotlb_map(dev, virt_to_phys(p + 8), 4096, DMA_TO_DEVICE, 0);
                Assert.Equal(start + 2048 + 8, big.Value); // next slot, offset kept; not pushed to a page boundary
                dma_unmap_single(dev, big, 4096, DMA_TO_DEVICE);
                dma_unmap_single(dev, first, 64, DMA_TO_DEVICE);
                Device plain = m.CreateDevice("p", coherent: false);
                DmaAddr a = swiotlb_map(plain, virt_to_phys(p), 64, DMA_TO_DEVICE, 0);
                DmaAddr b = swiotlb_map(plain, virt_to_phys(p + 8), 4096, DMA_TO_DEVICE, 0);
                Assert.Equal(0UL, b.Value % 4096); // no mask at all: page aligned as ever
                dma_unmap_single(plain, b, 4096, DMA_TO_DEVICE);
                dma_unmap_single(plain, a, 64, DMA_TO_DEVICE);
                Assert.Empty(m.Swiotlb.Validate());
            }
        }

        [Fact]
        public void PartialSyncUsesTheOriginalAddressOfTheSlot()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kzalloc(6000, GFP_KERNEL);
                DmaAddr a = dma_map_single_attrs(dev, p, 6000, DMA_FROM_DEVICE, 0);
                Assert.False(dma_mapping_error(dev, a));
                DmaAddr bounced = swiotlb_map(dev, virt_to_phys(p), 6000, DMA_FROM_DEVICE, 0);
                dma_mapping_error(dev, bounced);
                dev.DmaWrite(bounced + 4100, Pattern(100, 5));
                dma_sync_single_for_cpu(dev, bounced + 4100, 100, DMA_FROM_DEVICE);
                Assert.Equal(Pattern(100, 5), (p + 4100).ToArray(100));
                Assert.All(p.ToArray(4100), b => Assert.Equal(0, b));
                dma_unmap_single(dev, bounced, 6000, DMA_FROM_DEVICE);
                dma_unmap_single(dev, a, 6000, DMA_FROM_DEVICE);
            }
        }

        [Fact]
        public void FullPoolReportsAndFails_SilentlyUnderNoWarn()
        {
            Machine m = Boot(swiotlb: 1L << 20); // 512 slots
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(256 * 1024, GFP_KERNEL);
                var maps = new List<DmaAddr>();
                for (int i = 0; i < 4; i++)
                {
                    DmaAddr a = swiotlb_map(dev, virt_to_phys(p), 256 * 1024, DMA_TO_DEVICE, 0);
                    Assert.False(dma_mapping_error(dev, a));
                    maps.Add(a);
                }
                Assert.Equal(512, m.Swiotlb.UsedSlots);
                DmaAddr fail = swiotlb_map(dev, virt_to_phys(p), 64, DMA_TO_DEVICE, 0);
                Assert.True(dma_mapping_error(dev, fail));
                DebugReport r = Assert.Single(m.DebugReports);
                Assert.Contains("swiotlb buffer is full (sz: 64 bytes), total 512 (slots), used 512 (slots)", r.Message);
                Assert.True(dma_mapping_error(dev, swiotlb_map(dev, virt_to_phys(p), 64, DMA_TO_DEVICE, DMA_ATTR_NO_WARN)));
                Assert.Single(m.DebugReports);
                foreach (DmaAddr a in maps) dma_unmap_single(dev, a, 256 * 1024, DMA_TO_DEVICE);
                Assert.Equal(0, m.Swiotlb.UsedSlots);
                Assert.Equal(512, m.Swiotlb.HighWater);
            }
        }

        [Fact]
        public void NoSwiotlbMeansSwiotlbMapFails()
        {
            Machine m = Boot(swiotlb: 0);
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                Assert.False(is_swiotlb_active(dev));
                KernelPtr p = kmalloc(64, GFP_KERNEL);
                Assert.True(dma_mapping_error(dev, swiotlb_map(dev, virt_to_phys(p), 64, DMA_TO_DEVICE, 0)));
                Assert.True(HasReport(m, "Can not allocate SWIOTLB buffer earlier"));
            }
        }

        [Fact]
        public void BadUnmapsAreRefusedWithoutCorruptingThePool()
        {
            Machine m = Boot(dmaDebug: false);
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(5000, GFP_KERNEL);
                DmaAddr a = swiotlb_map(dev, virt_to_phys(p), 5000, DMA_FROM_DEVICE, 0);
                dma_unmap_single(dev, a + 2048, 100, DMA_FROM_DEVICE);
                Assert.True(HasReport(m, "not the start of the bounce buffer"));
                dma_unmap_single(dev, a, 5000, DMA_FROM_DEVICE);
                dma_unmap_single(dev, a, 5000, DMA_FROM_DEVICE); // twice
                Assert.True(HasReport(m, "no bounce buffer is mapped there"));
                Assert.Equal(0, m.Swiotlb.UsedSlots);
                Assert.Empty(m.Swiotlb.Validate());
            }
        }

        [Fact]
        public void ThirtyBitDeviceCannotUseALowPoolAboveItsReach()
        {
            // The default pool sits above 16 MiB; a 24-bit device cannot reach it: swiotlb's overflow warning.
            Machine m = Boot();
            using (m.Enter())
            {
                Device isa = m.CreateDevice("isa", coherent: false, dmaMaskBits: 24);
                KernelPtr p = kmalloc(64, GFP_KERNEL);
                Assert.True(dma_mapping_error(isa, dma_map_single(isa, p, 64, DMA_FROM_DEVICE)));
                Assert.True(HasReport(m, "swiotlb addr"));
                Assert.Equal(0, m.Swiotlb.UsedSlots);
                KernelPtr low = kmalloc(64, GFP_DMA);
                Assert.False(dma_mapping_error(isa, dma_map_single(isa, low, 64, DMA_FROM_DEVICE)));
            }
        }

        [Fact]
        public void DynamicSwiotlbGrowsWithTransientPoolsAndAWorker()
        {
            Machine m = Boot(swiotlb: 1L << 20, dynamic: true); // 512 slots
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(256 * 1024, GFP_KERNEL);
                var maps = new List<DmaAddr>();
                for (int i = 0; i < 4; i++) maps.Add(swiotlb_map(dev, virt_to_phys(p), 256 * 1024, DMA_TO_DEVICE, 0));
                int before = m.Swiotlb.TotalSlots;
                // Full: this mapping gets a transient pool of its own, and the worker is asked for a new pool.
                var l = new Spinlock();
                spin_lock_irqsave(l, out ulong flags); // atomic context: the map path must not sleep or report
                DmaAddr t;
                try { t = swiotlb_map(dev, virt_to_phys(p), 4096, DMA_FROM_DEVICE, 0); }
                finally { spin_unlock_irqrestore(l, flags); }
                Assert.False(dma_mapping_error(dev, t));
                Assert.Equal(1, m.Swiotlb.TransientPoolsCreated);
                Assert.True(is_swiotlb_buffer(dev, new PhysAddr(t.Value)));
                m.FlushWork();
                Assert.Equal(1, m.Swiotlb.GrownPools);
                Assert.True(m.Swiotlb.TotalSlots > before);
                dev.DmaWrite(t, Pattern(4096, 4));
                dma_unmap_single(dev, t, 4096, DMA_FROM_DEVICE);
                Assert.Equal(Pattern(4096, 4), p.ToArray(4096));
                Assert.False(is_swiotlb_buffer(dev, new PhysAddr(t.Value))); // transient pool gone
                DmaAddr next = swiotlb_map(dev, virt_to_phys(p), 4096, DMA_TO_DEVICE, 0);
                Assert.False(dma_mapping_error(dev, next)); // served by the grown pool
                Assert.Equal(1, m.Swiotlb.TransientPoolsCreated);
                dma_unmap_single(dev, next, 4096, DMA_TO_DEVICE);
                foreach (DmaAddr a in maps) dma_unmap_single(dev, a, 256 * 1024, DMA_TO_DEVICE);
                Assert.Equal(0, m.Swiotlb.UsedSlots);
                Assert.DoesNotContain(m.DebugReports, r => r.Message.Contains("sleeping"));
                Assert.Empty(m.Swiotlb.Validate());
            }
        }

        [Fact]
        public void PoolLookupStaysCorrectWithManyPools()
        {
            Machine m = Boot(swiotlb: 1L << 20, dynamic: true);
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr p = kmalloc(256 * 1024, GFP_KERNEL);
                var maps = new List<DmaAddr>();
                // Keep filling; each full moment adds a transient pool and (eventually) a grown pool.
                for (int i = 0; i < 40; i++)
                {
                    DmaAddr a = swiotlb_map(dev, virt_to_phys(p), 256 * 1024, DMA_TO_DEVICE, 0);
                    Assert.False(dma_mapping_error(dev, a));
                    maps.Add(a);
                    if (i % 8 == 7) m.FlushWork();
                }
                Assert.True(m.Swiotlb.PoolCount > 3);
                foreach (DmaAddr a in maps) Assert.True(is_swiotlb_buffer(dev, new PhysAddr(a.Value + 1000)));
                Assert.False(is_swiotlb_buffer(dev, virt_to_phys(p)));
                foreach (DmaAddr a in maps) dma_unmap_single(dev, a, 256 * 1024, DMA_TO_DEVICE);
                Assert.Equal(0, m.Swiotlb.UsedSlots);
                Assert.Empty(m.Swiotlb.Validate());
            }
        }

        /// <summary>
        /// With DMA_ATTR_SKIP_CPU_SYNC the map makes no clean, so on a non-coherent device the bounce copy is still in
        /// the CPU's cache and the device reads the slot's old bytes, until the driver syncs for the device (the
        /// bounce copy's short cut to RAM applies only where the clean follows).
        /// </summary>
        [Fact]
        public void SkipCpuSync_LeavesTheBounceInTheCache_UntilASyncForTheDevice()
        {
            Machine m = Boot();
            var dev = m.CreateDevice("dev", coherent: false);
            using (m.Enter())
            {
                KernelPtr buf = kmalloc(64, GFP_KERNEL);
                byte[] data = Pattern(64, 3);
                buf.Write(data);
                DmaAddr addr = swiotlb_map(dev, virt_to_phys(buf), 64, DMA_TO_DEVICE, DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC);
                Assert.False(dma_mapping_error(dev, addr));
                var seen = new byte[64];
                dev.DmaRead(addr, seen);
                Assert.NotEqual(data, seen);
                dma_sync_single_for_device(dev, addr, 64, DMA_TO_DEVICE);
                dev.DmaRead(addr, seen);
                Assert.Equal(data, seen);
                dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);
                Assert.Empty(m.Swiotlb.Validate());
            }
        }

        [Fact]
        public void UsedSlotAccountingNeverTakesTheAreaLocks()
        {
            // io_tlb_used is one atomic counter in the kernel: the map path reads it (high-water mark) without
            // touching other areas' locks. Holding every area lock of the pool must not block that accounting.
            Machine m = Machine.Boot(new MachineOptions { SwiotlbBytes = 2L << 20, SwiotlbAreas = 4 });
            var pool = Assert.Single(m.Swiotlb.PoolsSnapshot);
            using var held = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            var holder = new Thread(() =>
            {
                foreach (var a in pool.Areas) a.Lock.Enter();
                held.Set();
                release.Wait();
                foreach (var a in pool.Areas) a.Lock.Exit();
            });
            holder.Start();
            held.Wait();
            try
            {
                int used = -1;
                var reader = new Thread(() => used = m.Swiotlb.UsedSlots) { IsBackground = true };
                reader.Start();
                Assert.True(reader.Join(TimeSpan.FromSeconds(5)), "UsedSlots blocked on the area locks");
                Assert.Equal(0, used);
            }
            finally
            {
                release.Set();
                holder.Join();
            }
        }

        /// <summary>
        /// Bounded stress: threads map/unmap through the swiotlb concurrently; no slot is ever handed out twice
        /// (live bounce ranges never overlap), none leaks (usage back to 0, metadata consistent), every byte returns.
        /// </summary>
        [Fact]
        public void ConcurrentMapUnmapStress()
        {
            Machine m = Machine.Boot(new MachineOptions { SwiotlbBytes = 2L << 20, SwiotlbAreas = 4, DmaDebug = true });
            const int threads = 4, iterations = 1500;
            var live = new ConcurrentDictionary<ulong, (ulong End, int Thread)>();
            int overlaps = 0, failures = 0, corrupt = 0, maps = 0;
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                using (m.Enter())
                {
                    Device dev = m.CreateDevice($"dev{t}", coherent: t % 2 == 0);
                    var rng = new Random(1234 + t);
                    for (int i = 0; i < iterations; i++)
                    {
                        int size = rng.Next(1, 9000);
                        KernelPtr buf = kmalloc(size, GFP_KERNEL | (size < 200 ? __GFP_PACKED : 0));
                        byte[] mine = new byte[size];
                        rng.NextBytes(mine);
                        DmaDirection dir = (DmaDirection)rng.Next(0, 3);
                        if (dir != DMA_FROM_DEVICE) buf.Write(mine);
                        DmaAddr a = swiotlb_map(dev, virt_to_phys(buf), size, dir, DMA_ATTR_NO_WARN);
                        if (dma_mapping_error(dev, a)) { Interlocked.Increment(ref failures); kfree(buf); continue; }
                        Interlocked.Increment(ref maps);
                        ulong end = a.Value + (ulong)Math.Max(size, 1);
                        // Publish first, then look: of two threads handed the same slots, at least one sees the other.
                        if (!live.TryAdd(a.Value, (end, t))) Interlocked.Increment(ref overlaps);
                        foreach (var kv in live)
                            if (kv.Key != a.Value && a.Value < kv.Value.End && kv.Key < end) Interlocked.Increment(ref overlaps);
                        if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
                        {
                            var seen = new byte[size];
                            dev.DmaRead(a, seen);
                            if (!seen.AsSpan().SequenceEqual(mine)) Interlocked.Increment(ref corrupt);
                        }
                        if (dir != DMA_TO_DEVICE)
                        {
                            rng.NextBytes(mine);
                            dev.DmaWrite(a, mine);
                        }
                        live.TryRemove(a.Value, out _);
                        dma_unmap_single(dev, a, size, dir);
                        if (dir != DMA_TO_DEVICE && !buf.ToArray(size).AsSpan().SequenceEqual(mine)) Interlocked.Increment(ref corrupt);
                        kfree(buf);
                    }
                }
            });
            Assert.Equal(0, overlaps);
            Assert.Equal(0, corrupt);
            Assert.Equal(0, m.Swiotlb.UsedSlots);
            Assert.Empty(m.Swiotlb.Validate());
            Assert.True(m.Swiotlb.HighWater > 0);
            Assert.True(failures < threads * iterations / 10, $"{failures} mappings failed");
            Assert.True(maps > threads * iterations / 2);
            Assert.DoesNotContain(m.DebugReports, r => r.Subsystem == "dma-debug");
        }
    }
}
