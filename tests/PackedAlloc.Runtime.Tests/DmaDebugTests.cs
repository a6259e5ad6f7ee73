using System;
using System.Linq;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    public class DmaDebugTests
    {
        private static (Machine, Device) Setup(bool debug = true, bool kmallocBounce = false)
        {
            Machine m = Boot(dmaDebug: debug, kmallocBounce: kmallocBounce);
            return (m, m.CreateDevice("eth0", coherent: false));
        }

        [Fact]
        public void UnmappingMemoryNeverMapped()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                dma_unmap_single(dev, new DmaAddr(0x5000_0000), 64, DMA_TO_DEVICE);
                DebugReport r = Assert.Single(m.DebugReports);
                Assert.Equal("DMA-API: packedalloc eth0: device driver tries to free DMA memory it has not allocated [device address=0x0000000050000000] [size=64 bytes]", r.Message);
                Assert.Equal("eth0", r.DeviceName);
                dma_unmap_single(dev, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE);
                Assert.Contains("device driver tries to free an invalid DMA memory address", m.DebugReports[1].Message);
            }
        }

        [Fact]
        public void SizeDirectionAndMapErrorMismatches()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 256, DMA_TO_DEVICE); // error never checked
                dma_unmap_single(dev, a, 128, DMA_FROM_DEVICE);
                string[] msgs = m.DebugReports.Select(r => r.Message).ToArray();
                Assert.Contains(msgs, s => s.Contains("device driver frees DMA memory with different size") && s.Contains("[map size=256 bytes] [unmap size=128 bytes]"));
                Assert.Contains(msgs, s => s.Contains("device driver frees DMA memory with different direction") && s.Contains("[mapped with DMA_TO_DEVICE] [unmapped with DMA_FROM_DEVICE]"));
                Assert.Contains(msgs, s => s.Contains("device driver failed to check map error[device address=") && s.Contains("[mapped as single]"));
                Assert.All(m.DebugReports, r => Assert.Contains("Mapped at:", r.Message));
            }
        }

        /// <summary>
        /// dma-debug recycles the entry of an unmapped mapping for the next one (no garbage per mapping): a report on
        /// the second mapping names where the second was mapped, and a report on the first, made as its entry was
        /// dropped, kept the first's.
        /// </summary>
        [Fact]
        public void RecycledEntries_ReportTheirOwnMapping()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr first = dma_map_single(dev, p, 256, DMA_TO_DEVICE); int firstLine = Line();
                Assert.False(dma_mapping_error(dev, first));
                dma_unmap_single(dev, first, 128, DMA_TO_DEVICE);
                DmaAddr second = dma_map_single(dev, p, 256, DMA_FROM_DEVICE); int secondLine = Line();
                Assert.False(dma_mapping_error(dev, second));
                dma_unmap_single(dev, second, 256, DMA_TO_DEVICE);
                Assert.Equal(2, m.DebugReports.Count);
                Assert.Contains("different size", m.DebugReports[0].Message);
                Assert.Contains($"DmaDebugTests.cs:{firstLine})", m.DebugReports[0].Message);
                Assert.Contains("different direction", m.DebugReports[1].Message);
                Assert.Contains($"DmaDebugTests.cs:{secondLine})", m.DebugReports[1].Message);
                Assert.Equal(0, m.Debug.Count);
            }
        }

        private static int Line([System.Runtime.CompilerServices.CallerLineNumber] int line = 0) => line;

        [Fact]
        public void MapErrorReport_CarriesPA0003_AndOnlyIt()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 256, DMA_TO_DEVICE);
                dma_unmap_single(dev, a, 256, DMA_TO_DEVICE);
                var report = Assert.Single(m.DebugReports);
                Assert.Contains("device driver failed to check map error", report.Message);
                Assert.Equal("PA0003", report.RuleId);
                Assert.StartsWith("[PA0003] ", report.ToString());
            }
        }

        [Fact]
        public void LifetimeReports_CarryPA0007()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 256, DMA_TO_DEVICE);
                Assert.False(dma_mapping_error(dev, a));
                dma_sync_single_for_cpu(dev, a, 512, DMA_FROM_DEVICE);   // outside the mapping, other direction
                dma_unmap_single(dev, a, 128, DMA_FROM_DEVICE);           // other size, other direction
                KernelPtr q = kmalloc(256, GFP_KERNEL);
                DmaAddr b = dma_map_single(dev, q, 256, DMA_TO_DEVICE);
                Assert.False(dma_mapping_error(dev, b));
                kfree(q);                                                 // freed while mapped
                m.RemoveDevice(dev);                                      // b leaked
                var lifetime = m.DebugReports.Where(r => r.RuleId == "PA0007").Select(r => r.Message).ToList();
                Assert.Contains(lifetime, s => s.Contains("syncs DMA memory outside allocated range"));
                Assert.Contains(lifetime, s => s.Contains("syncs DMA memory with different direction"));
                Assert.Contains(lifetime, s => s.Contains("frees DMA memory with different size"));
                Assert.Contains(lifetime, s => s.Contains("frees DMA memory with different direction"));
                Assert.Contains(lifetime, s => s.Contains("frees memory that is still DMA-mapped"));
                Assert.Contains(lifetime, s => s.Contains("has pending DMA allocations while released from device"));
                Assert.All(m.DebugReports.Where(r => r.Subsystem == "dma-debug"), r => Assert.Equal("PA0007", r.RuleId));
            }
        }

        [Fact]
        public void CheckedMappingsUnmapCleanly()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 256, DMA_TO_DEVICE);
                Assert.False(dma_mapping_error(dev, a));
                dma_unmap_single(dev, a, 256, DMA_TO_DEVICE);
                Assert.Empty(m.DebugReports);
            }
        }

        [Fact]
        public void WrongFunctionAndSgCount()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                var sgl = new[] { new ScatterList(), new ScatterList() };
                sg_init_table(sgl, 2);
                sg_set_buf(sgl[0], kmalloc(128, GFP_KERNEL), 128);
                sg_set_buf(sgl[1], kmalloc(128, GFP_KERNEL), 128);
                Assert.Equal(2, dma_map_sg(dev, sgl, 2, DMA_TO_DEVICE));
                dma_unmap_single(dev, sgl[0].DmaAddress, 128, DMA_TO_DEVICE);
                Assert.True(HasReport(m, "device driver frees DMA memory with wrong function") && HasReport(m, "[mapped as scather-gather] [unmapped as single]"));
                dma_unmap_sg(dev, sgl.Skip(1).ToArray(), 1, DMA_TO_DEVICE);
                Assert.True(HasReport(m, "device driver frees DMA sg list with different entry count [map count=2] [unmap count=1]"));
            }
        }

        [Fact]
        public void UnmapMessagesCarryTheUnmapSizeAsCheckUnmapPrintsIt()
        {
            // check_unmap prints ref->size (what the driver passed to unmap) in [size=...], not the mapped size.
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 256, DMA_TO_DEVICE);
                dma_unmap_single(dev, a, 128, DMA_FROM_DEVICE);
                string at = $"[device address=0x{a.Value:x16}] [size=128 bytes]";
                Assert.True(HasReport(m, $"device driver frees DMA memory with different direction {at} [mapped with DMA_TO_DEVICE] [unmapped with DMA_FROM_DEVICE]"));
                Assert.True(HasReport(m, $"device driver failed to check map error{at} [mapped as single]"));

                var sgl = new[] { new ScatterList() };
                sg_init_one(sgl[0], kmalloc(128, GFP_KERNEL), 128);
                Assert.Equal(1, dma_map_sg(dev, sgl, 1, DMA_TO_DEVICE));
                dma_unmap_single(dev, sgl[0].DmaAddress, 64, DMA_TO_DEVICE);
                Assert.True(HasReport(m, $"device driver frees DMA memory with wrong function [device address=0x{sgl[0].DmaAddress.Value:x16}] [size=64 bytes] [mapped as scather-gather] [unmapped as single]"));

                KernelPtr cpu = dma_alloc_coherent(dev, 4096, out DmaAddr h, GFP_KERNEL);
                KernelPtr other = dma_alloc_coherent(dev, 4096, out DmaAddr h2, GFP_KERNEL);
                dma_free_coherent(dev, 4096, other, h);
                // phys_addr() of both entries, as the kernel prints them.
                Assert.True(HasReport(m, $"device driver frees DMA memory with different CPU address [device address=0x{h.Value:x16}] [size=4096 bytes] [cpu alloc address=0x{virt_to_phys(cpu).Value:x16}] [cpu free address=0x{virt_to_phys(other).Value:x16}]"));
            }
        }

        [Fact]
        public void AmbiguousUnmapWithoutAPerfectFitFindsNothing()
        {
            // __hash_bucket_find: several entries at one device address and none matching exactly → NULL,
            // so the unmap is "not allocated" and both mappings stay tracked.
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 64, DMA_TO_DEVICE);
                DmaAddr b = dma_map_single(dev, p, 128, DMA_TO_DEVICE);
                Assert.Equal(a, b);
                dma_mapping_error(dev, a);
                dma_mapping_error(dev, b);
                int before = m.Debug.Count;
                dma_unmap_single(dev, a, 96, DMA_TO_DEVICE);
                Assert.True(HasReport(m, $"device driver tries to free DMA memory it has not allocated [device address=0x{a.Value:x16}] [size=96 bytes]"));
                Assert.Equal(before, m.Debug.Count);
                m.ClearDebugReports();
                dma_unmap_single(dev, a, 128, DMA_TO_DEVICE);
                dma_unmap_single(dev, a, 64, DMA_TO_DEVICE);
                Assert.Empty(m.DebugReports);
                Assert.Equal(0, m.Debug.Count);
            }
        }

        [Fact]
        public void SyncMessagesCarryTheMappedSizeAndSgSyncCountIsChecked()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 256, DMA_FROM_DEVICE);
                dma_mapping_error(dev, a);
                // check_sync prints ref->dev_addr with entry->size.
                dma_sync_single_for_cpu(dev, a + 64, 32, DMA_BIDIRECTIONAL);
                Assert.True(HasReport(m, $"device driver syncs DMA memory with different direction [device address=0x{(a + 64).Value:x16}] [size=256 bytes] [mapped with DMA_FROM_DEVICE] [synced with DMA_BIDIRECTIONAL]"));
                dma_unmap_single(dev, a, 256, DMA_FROM_DEVICE);

                var sgl = new[] { new ScatterList(), new ScatterList() };
                sg_init_table(sgl, 2);
                sg_set_buf(sgl[0], kmalloc(128, GFP_KERNEL), 128);
                sg_set_buf(sgl[1], kmalloc(128, GFP_KERNEL), 128);
                Assert.Equal(2, dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE));
                m.ClearDebugReports();
                dma_sync_sg_for_cpu(dev, sgl, 1, DMA_FROM_DEVICE);
                Assert.True(HasReport(m, "device driver syncs DMA sg list with different entry count [map count=2] [sync count=1]"));
                m.ClearDebugReports();
                dma_sync_sg_for_cpu(dev, sgl, 2, DMA_FROM_DEVICE);
                dma_unmap_sg(dev, sgl, 2, DMA_FROM_DEVICE);
                Assert.Empty(m.DebugReports);
            }
        }

        [Fact]
        public void SyncChecks()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 256, DMA_TO_DEVICE);
                dma_mapping_error(dev, a);
                dma_sync_single_for_cpu(dev, a + 128, 256, DMA_TO_DEVICE);
                Assert.True(HasReport(m, "device driver syncs DMA memory outside allocated range"));
                dma_sync_single_for_cpu(dev, a, 64, DMA_FROM_DEVICE);
                Assert.True(HasReport(m, "device driver syncs DMA memory with different direction"));
                Assert.True(HasReport(m, "device driver syncs device read-only DMA memory for cpu"));
                dma_sync_single_for_device(dev, new DmaAddr(0x7000_0000), 8, DMA_TO_DEVICE);
                Assert.True(HasReport(m, "device driver tries to sync DMA memory it has not allocated"));
                int n = m.DebugReports.Count;
                dma_sync_single_for_device(dev, a, 256, DMA_TO_DEVICE);
                dma_sync_single_for_cpu(dev, a + 64, 64, DMA_TO_DEVICE);
                Assert.Equal(n, m.DebugReports.Count);
                dma_unmap_single(dev, a, 256, DMA_TO_DEVICE);
            }
        }

        /// <summary>
        /// dma-debug keeps each mapping under its first cache line (active_cacheline_insert): two mappings overlap for
        /// it when they start in the same line, not when one runs into a line where the other starts.
        /// </summary>
        [Fact]
        public void CachelineTracking_KeysAMappingByItsFirstLine()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr buffer = kmalloc(512, GFP_KERNEL);
                DmaAddr whole = dma_map_single(dev, buffer, 256, DMA_FROM_DEVICE);
                DmaAddr laterLine = dma_map_single_attrs(dev, buffer + 128, 64, DMA_FROM_DEVICE, DmaAttrs.None);
                Assert.DoesNotContain(m.DebugReports, r => r.Message.Contains("EEXIST"));
                DmaAddr sameFirstLine = dma_map_single_attrs(dev, buffer + 8, 16, DMA_FROM_DEVICE, DmaAttrs.None);
                Assert.Single(m.DebugReports, r => r.Message.Contains("cacheline tracking EEXIST"));
                foreach (var (addr, size) in new[] { (whole, 256), (laterLine, 64), (sameFirstLine, 16) })
                {
                    dma_mapping_error(dev, addr);
                    dma_unmap_single(dev, addr, size, DMA_FROM_DEVICE);
                }
            }
        }

        [Fact]
        public void OverlappingCachelineMappingsCarryPA0001()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr a = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                KernelPtr b = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                DmaAddr da = dma_map_single(dev, a, 24, DMA_FROM_DEVICE);
                DmaAddr db = dma_map_single(dev, b, 24, DMA_FROM_DEVICE);
                DebugReport eexist = Assert.Single(m.DebugReports, r => r.Message.Contains("cacheline tracking EEXIST, overlapping mappings aren't supported"));
                Assert.Equal("PA0001", eexist.RuleId);
                // The map-time shared-line check names the packed allocation and its site.
                DebugReport shared = m.DebugReports.First(r => r.Message.Contains("shares a cache line"));
                Assert.Equal("PA0001", shared.RuleId);
                Assert.Contains("__GFP_PACKED", shared.Message);
                Assert.Contains(nameof(OverlappingCachelineMappingsCarryPA0001), shared.Message);
                dma_mapping_error(dev, da); dma_mapping_error(dev, db);
                dma_unmap_single(dev, da, 24, DMA_FROM_DEVICE);
                dma_unmap_single(dev, db, 24, DMA_FROM_DEVICE);
            }
        }

        [Fact]
        public void NoCachelineReportsForToDeviceSkipSyncOrKmallocBounce()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr a = kmalloc(24, GFP_KERNEL | __GFP_PACKED), b = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                dma_map_single(dev, a, 24, DMA_TO_DEVICE);
                dma_map_single(dev, b, 24, DMA_TO_DEVICE);
                dma_map_single_attrs(dev, a, 24, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
                dma_map_single_attrs(dev, b, 24, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
                Assert.Empty(m.DebugReports);
            }
            var (mb, devb) = Setup(kmallocBounce: true);
            using (mb.Enter())
            {
                KernelPtr a = kmalloc(24, GFP_KERNEL | __GFP_PACKED), b = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                dma_map_single(devb, a, 24, DMA_FROM_DEVICE);
                dma_map_single(devb, b, 24, DMA_FROM_DEVICE);
                Assert.Empty(mb.DebugReports);
            }
        }

        [Fact]
        public void NonPackedMappingsRaiseNoSharedLineReport()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr a = kmalloc(24, GFP_KERNEL), b = kmalloc(24, GFP_KERNEL);
                DmaAddr da = dma_map_single(dev, a, 24, DMA_FROM_DEVICE);
                DmaAddr db = dma_map_single(dev, b, 24, DMA_FROM_DEVICE);
                Assert.DoesNotContain(m.DebugReports, r => r.RuleId == "PA0001");
            }
        }

        [Fact]
        public void FreeingMappedMemoryIsReported()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(128, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 128, DMA_FROM_DEVICE);
                dma_mapping_error(dev, a);
                kfree(p);
                Assert.True(HasReport(m, "device driver frees memory that is still DMA-mapped"));
            }
        }

        [Fact]
        public void LeaksReportedWhenTheDeviceGoesAway()
        {
            var (m, dev) = Setup();
            using (m.Enter())
            {
                for (int i = 0; i < 3; i++)
                {
                    DmaAddr a = dma_map_single(dev, kmalloc(128, GFP_KERNEL), 128, DMA_BIDIRECTIONAL);
                    dma_mapping_error(dev, a);
                }
                m.RemoveDevice(dev);
                DebugReport r = Assert.Single(m.DebugReports);
                Assert.Contains("device driver has pending DMA allocations while released from device [count=3]", r.Message);
                Assert.Contains("One of leaked entries details: [device address=0x", r.Message);
                Assert.Contains("[mapped with DMA_BIDIRECTIONAL] [mapped as single]", r.Message);
                Assert.True(dev.IsRemoved);
                Assert.Throws<InvalidOperationException>(() => dma_map_single(dev, kmalloc(8, GFP_KERNEL), 8, DMA_TO_DEVICE));
            }
        }

        [Fact]
        public void ReportsCanThrow()
        {
            var (m, dev) = Setup();
            m.ThrowOnDebugReport = true;
            using (m.Enter())
            {
                var ex = Assert.Throws<KernelBugException>(() => dma_unmap_single(dev, new DmaAddr(0x5000_0000), 64, DMA_TO_DEVICE));
                Assert.Contains("has not allocated", ex.Report.Message);
                Assert.Single(m.DebugReports);
            }
            Machine thrower = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, ThrowOnDebugReport = true });
            Assert.True(thrower.ThrowOnDebugReport);
            using (thrower.Enter()) Assert.Throws<KernelBugException>(() => kmalloc(KMALLOC_MAX_SIZE + 1, GFP_KERNEL));
        }

        [Fact]
        public void DebugCanBeSwitchedOff()
        {
            var (m, dev) = Setup(debug: false);
            using (m.Enter())
            {
                dma_unmap_single(dev, DMA_MAPPING_ERROR, 64, DMA_TO_DEVICE);
                KernelPtr a = kmalloc(24, GFP_KERNEL | __GFP_PACKED), b = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
                dma_map_single(dev, a, 24, DMA_FROM_DEVICE);
                dma_map_single(dev, b, 24, DMA_FROM_DEVICE);
                Assert.Empty(m.DebugReports);
            }
        }
    }

    public class CoherentTests
    {
        [Fact]
        public void CoherentMemoryIsSharedWithoutMaintenance()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false, dmaMaskBits: 32);
                KernelPtr cpu = dma_alloc_coherent(dev, 3000, out DmaAddr handle, GFP_KERNEL);
                Assert.False(cpu.IsNull);
                Assert.Equal(virt_to_phys(cpu).Value, handle.Value);
                Assert.True(handle.Value < 4UL << 30);
                Assert.All(cpu.ToArray(3000), b => Assert.Equal(0, b));
                cpu.Write(Pattern(3000, 1));                // uncached: straight to RAM
                var seen = new byte[3000];
                dev.DmaRead(handle, seen);
                Assert.Equal(Pattern(3000, 1), seen);
                dev.DmaWrite(handle, Pattern(3000, 2));
                Assert.Equal(Pattern(3000, 2), cpu.ToArray(3000));
                dma_free_coherent(dev, 3000, cpu, handle);
                Assert.Throws<KasanException>(() => cpu.AsSpan(1));
                Assert.Equal(new[] { "kasan" }, m.DebugReports.Select(r => r.Subsystem).ToArray());
            }
        }

        [Fact]
        public void AtomicRequestsUseThePoolWhichGrows()
        {
            Machine m = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, CoherentPoolBytes = 64 << 10 });
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false, dmaMaskBits: 32);
                var pool = m.Coherent.Pools.Single(p => p.Zone == PackedAlloc.Runtime.Memory.ZoneId.Dma32);
                Assert.Equal(64 << 10, pool.SizeBytes);
                var l = new Spinlock();
                spin_lock(l);
                KernelPtr c;
                DmaAddr h;
                try { c = dma_alloc_coherent(dev, 8192, out h, GFP_ATOMIC); }
                finally { spin_unlock(l); }
                Assert.False(c.IsNull);
                Assert.True(pool.AvailBytes < pool.SizeBytes);
                m.FlushWork();
                Assert.Equal(128 << 10, pool.SizeBytes);      // doubled by the worker
                Assert.Empty(m.DebugReports);
                dma_free_coherent(dev, 8192, c, h);
                Assert.Equal(pool.SizeBytes, pool.AvailBytes);
            }
        }

        [Fact]
        public void ExhaustedPoolWarnsUnlessNowarn()
        {
            Machine m = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, CoherentPoolBytes = 16 << 10 });
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                Assert.True(dma_alloc_coherent(dev, 1 << 20, out DmaAddr h, GFP_ATOMIC).IsNull);
                Assert.Equal(DMA_MAPPING_ERROR, h);
                Assert.True(HasReport(m, "DMA pool exhausted for nc"));
                int n = m.DebugReports.Count;
                Assert.True(dma_alloc_coherent(dev, 1 << 20, out _, GFP_ATOMIC | __GFP_NOWARN).IsNull);
                Assert.Equal(n, m.DebugReports.Count);
            }
        }

        [Fact]
        public void CoherentDeviceGetsCachedMemory()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("c", coherent: true);
                KernelPtr cpu = dma_alloc_coherent(dev, 100, out DmaAddr h, GFP_ATOMIC);
                cpu.Write(Pattern(100, 5));
                Assert.Equal(PackedAlloc.Runtime.Memory.CacheLineState.Dirty, m.Cache.StateOf(cpu));
                var seen = new byte[100];
                dev.DmaRead(h, seen);
                Assert.Equal(Pattern(100, 5), seen);
                dma_free_coherent(dev, 100, cpu, h);
            }
        }

        [Fact]
        public void BadFreesAreReportedAndIgnored()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("nc", coherent: false);
                KernelPtr cpu = dma_alloc_coherent(dev, 4096, out DmaAddr h, GFP_KERNEL);
                dma_free_coherent(dev, 2048, cpu, h);
                Assert.True(HasReport(m, "device driver frees DMA memory with different size"));
                dma_free_coherent(dev, 4096, cpu, h);
                Assert.True(HasReport(m, "device driver tries to free DMA memory it has not allocated"));
                Assert.Throws<ArgumentOutOfRangeException>(() => dma_alloc_coherent(dev, -1, out _, GFP_KERNEL));
                Assert.Throws<ArgumentNullException>(() => dma_alloc_coherent(null!, 1, out _, GFP_KERNEL));
                KernelPtr other = dma_alloc_coherent(dev, 4096, out DmaAddr h2, GFP_KERNEL);
                dma_free_coherent(dev, 4096, other + 64, h2 + 64);
                Assert.Equal(1, m.Coherent.Outstanding);            // the bogus free changed nothing
                dma_free_coherent(dev, 4096, other, h2);
                Assert.Equal(0, m.Coherent.Outstanding);
            }
        }

        [Fact]
        public void PartialLineInsideItsOwnAlignedObject_IsNotReportedAsShared()
        {
            Machine m = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, CacheLineSize = 64, DmaMinAlign = 128 });
            using (m.Enter())
            {
                Device dev = m.CreateDevice("spi0", coherent: false);
                KernelPtr aligned = kmalloc(16, GFP_KERNEL);            // a kmalloc-128 object: its line is its own
                KernelPtr packed = kmalloc(16, GFP_KERNEL | __GFP_PACKED); // a kmalloc-16 object: its line is shared
                DmaAddr a = dma_map_single(dev, aligned, 16, DMA_BIDIRECTIONAL);
                Assert.DoesNotContain(m.DebugReports, r => r.Message.Contains("shares a cache line"));
                DmaAddr b = dma_map_single(dev, packed, 16, DMA_BIDIRECTIONAL);
                Assert.Contains(m.DebugReports, r => r.Message.Contains("shares a cache line") && r.RuleId == "PA0001");
                Assert.False(dma_mapping_error(dev, a) || dma_mapping_error(dev, b));
                dma_unmap_single(dev, a, 16, DMA_BIDIRECTIONAL);
                dma_unmap_single(dev, b, 16, DMA_BIDIRECTIONAL);
            }
        }
    }
}
