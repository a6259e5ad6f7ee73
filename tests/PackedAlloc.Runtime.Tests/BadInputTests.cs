using System;
using System.Linq;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;
using static PackedAlloc.Runtime.Tests.TestUtil;

namespace PackedAlloc.Runtime.Tests
{
    /// <summary>Input the kernel would BUG or WARN on is not accepted silently; each check is also shown not to fire on good input.</summary>
    public class BadInputTests
    {
        // ---------------------------------------------------------------- boot options

        [Fact]
        public void UndefinedPartialLineInvalidate_IsRejectedAtBoot()
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => Machine.Boot(new MachineOptions { PartialLineInvalidate = (PartialLineInvalidate)7 }));
            Assert.Equal(nameof(MachineOptions.PartialLineInvalidate), e.ParamName);
            Assert.Equal(PartialLineInvalidate.Invalidate, Boot(partial: PartialLineInvalidate.Invalidate).Options.PartialLineInvalidate);
            Assert.Equal(PartialLineInvalidate.CleanAndInvalidate, Boot().Options.PartialLineInvalidate);
        }

        // ---------------------------------------------------------------- gfp masks

        [Fact]
        public void TwoZoneModifiers_AreAKernelBug()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                var e = Assert.Throws<KernelBugException>(() => kmalloc(64, GFP_KERNEL | GFP_DMA | GFP_DMA32));
                Assert.Contains("gfp_zone: bad zone combination", e.Message, StringComparison.Ordinal);
                Assert.Contains("__GFP_DMA|__GFP_DMA32", e.Message, StringComparison.Ordinal);
                Assert.Contains(m.DebugReports, r => r.Message == e.Message);
                Assert.Throws<KernelBugException>(() => krealloc(NULL, 64, GFP_KERNEL | GFP_DMA | GFP_DMA32));
                Assert.Throws<KernelBugException>(() => kmalloc(64, GFP_KERNEL | __GFP_DMA32 | GfpFlags.__GFP_HIGHMEM));
            }
        }

        [Fact]
        public void OneZoneModifier_AllocatesInThatZone()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Assert.True(virt_to_phys(kmalloc(64, GFP_KERNEL | GFP_DMA)).Value < 16UL << 20);
                Assert.True(virt_to_phys(kmalloc(64, GFP_KERNEL | GFP_DMA32)).Value < 4UL << 30);
                Assert.Empty(m.DebugReports);
            }
        }

        [Fact]
        public void UndefinedGfpBits_AreWarnedAboutAndDropped()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                KernelPtr p = kmalloc(24, GFP_KERNEL | __GFP_PACKED | (GfpFlags)0x1000_0000);
                DebugReport warn = Assert.Single(m.DebugReports);
                Assert.Contains("kmalloc_fix_flags: Unexpected gfp: 0x10000000", warn.Message, StringComparison.Ordinal);
                Assert.Contains("Fixing up to gfp: 0x8000cc0 (GFP_KERNEL|__GFP_PACKED). Fix your code!", warn.Message, StringComparison.Ordinal);
                Assert.Equal(32, ksize(p)); // the packed kmalloc-32 class: the allocation went on with the known flags

                KmemCache cache = kmem_cache_create("test", 40, 0, 0)!;
                Assert.False(kmem_cache_alloc(cache, GFP_KERNEL | (GfpFlags)0x200).IsNull);
                Assert.Equal(2, m.DebugReports.Count);
                Assert.Contains("Unexpected gfp: 0x200 ", m.DebugReports[1].Message, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void KnownGfpBits_AreNotWarnedAbout()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                kmalloc(24, GFP_KERNEL | __GFP_PACKED | __GFP_ZERO | __GFP_NOWARN | __GFP_NORETRY);
                kmalloc(24, GFP_ATOMIC | GfpFlags.__GFP_ACCOUNT | GfpFlags.__GFP_RECLAIMABLE);
                kmem_cache_alloc(kmem_cache_create("test", 40, 0, 0)!, GFP_NOFS);
                Assert.Empty(m.DebugReports);
            }
        }

        // ---------------------------------------------------------------- device accesses

        [Fact]
        public void DeviceAccessToDmaMappingError_SaysTheMappingFailed()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("eth0", coherent: false);
                DmaAddr addr = dma_map_single(dev, NULL, 64, DMA_FROM_DEVICE);
                Assert.True(dma_mapping_error(dev, addr));
                var e = Assert.Throws<ArgumentException>(() => dev.DmaWrite(addr, new byte[8]));
                Assert.Contains("DMA_MAPPING_ERROR: the mapping failed", e.Message, StringComparison.Ordinal);
                Assert.Contains("dma_mapping_error()", e.Message, StringComparison.Ordinal);
                Assert.Contains("read from DMA_MAPPING_ERROR", Assert.Throws<ArgumentException>(() => dev.DmaRead(addr, new byte[8])).Message, StringComparison.Ordinal);
            }
        }

        private const string NotMapped = "memory that is not mapped for it";

        [Fact]
        public void DeviceAccessInsideItsMappings_IsNotReported()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("eth0", coherent: false);
                KernelPtr p = kmalloc(256, GFP_KERNEL);
                DmaAddr a = dma_map_single(dev, p, 128, DMA_FROM_DEVICE);
                DmaAddr b = dma_map_single(dev, p + 128, 128, DMA_BIDIRECTIONAL);
                Assert.False(dma_mapping_error(dev, a) || dma_mapping_error(dev, b));
                dev.DmaWrite(a, new byte[128]);
                dev.DmaWrite(new DmaAddr(a.Value + 100), new byte[100]); // across two adjacent mappings
                dev.DmaRead(b, new byte[16]);
                KernelPtr cpu = dma_alloc_coherent(dev, 4096, out DmaAddr handle, GFP_KERNEL);
                dev.DmaWrite(handle, new byte[4096]);
                dma_free_coherent(dev, 4096, cpu, handle);
                dma_unmap_single(dev, a, 128, DMA_FROM_DEVICE);
                dma_unmap_single(dev, b, 128, DMA_BIDIRECTIONAL);
                Assert.Empty(m.DebugReports);
            }
        }

        [Fact]
        public void DeviceWriteToMemoryNotMappedForIt_IsReported_AndStillHappens()
        {
            Machine m = Boot();
            using (m.Enter())
            {
                Device dev = m.CreateDevice("eth0", coherent: false);
                Device other = m.CreateDevice("eth1", coherent: false);
                KernelPtr p = kmalloc(128, GFP_KERNEL);
                DmaAddr addr = dma_map_single(dev, p, 64, DMA_FROM_DEVICE);
                Assert.False(dma_mapping_error(dev, addr));

                dev.DmaWrite(new DmaAddr(addr.Value + 32), new byte[64]);          // runs 32 bytes past the mapping
                other.DmaWrite(addr, new byte[8]);                                 // mapped, but for another device
                dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
                dev.DmaWrite(addr, new byte[] { 0x5a });                           // after unmap
                dev.DmaRead(addr, new byte[4]);

                var reports = m.DebugReports.Where(r => r.Message.Contains(NotMapped, StringComparison.Ordinal)).ToList();
                Assert.Equal(4, reports.Count);
                Assert.StartsWith("DMA-API: packedalloc eth0: device writes to " + NotMapped, reports[0].Message, StringComparison.Ordinal);
                Assert.Contains($"[device address=0x{addr.Value + 32:x16}] [size=64 bytes]", reports[0].Message, StringComparison.Ordinal);
                Assert.StartsWith("DMA-API: packedalloc eth1: device writes to", reports[1].Message, StringComparison.Ordinal);
                Assert.StartsWith("DMA-API: packedalloc eth0: device reads from", reports[3].Message, StringComparison.Ordinal);
                Assert.All(reports, r => Assert.Equal("dma-debug", r.Subsystem));
                // Nothing on the bus stops it: the write reached RAM.
                Assert.Equal(0x5a, p.ToArray(1)[0]);
            }
        }

        [Fact]
        public void WithoutDmaDebug_UnmappedDeviceAccessesAreNotTracked()
        {
            Machine m = Boot(dmaDebug: false);
            using (m.Enter())
            {
                Device dev = m.CreateDevice("eth0", coherent: false);
                dev.DmaWrite(new DmaAddr(virt_to_phys(kmalloc(64, GFP_KERNEL)).Value), new byte[8]);
                Assert.Empty(m.DebugReports);
            }
        }
    }
}
