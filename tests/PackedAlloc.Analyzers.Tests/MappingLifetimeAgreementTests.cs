using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// PA0007 and its run-time twins (dma-debug's lifetime reports, rule id PA0007) on the same drivers, compiled,
    /// analysed and run on the emulated machine (the device is unbound at the end, where dma-debug reports what is
    /// still mapped). What the kernel reports, PA0007 reports, except where its page says it does not follow it (a
    /// free of mapped memory), pinned here; where PA0007 is silent, so is the kernel.
    /// </summary>
    public class MappingLifetimeAgreementTests
    {
        public static IEnumerable<object[]> Drivers() => new[]
        {
            new object[] { "unmapped with its size and direction", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false, false },
            new object[] { "unmapped with another size", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_unmap_single(dev, addr, 128, DMA_FROM_DEVICE);", true, true },
            new object[] { "unmapped with another direction", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_unmap_single(dev, addr, 64, DMA_BIDIRECTIONAL);", true, true },
            new object[] { "synced beyond its size", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_sync_single_for_cpu(dev, addr, 128, DMA_FROM_DEVICE);
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true, true },
            new object[] { "a bidirectional mapping synced for the device to read", @"
        var addr = dma_map_single(dev, buf, 64, DMA_BIDIRECTIONAL);
        if (dma_mapping_error(dev, addr)) return;
        dma_sync_single_for_device(dev, addr, 64, DMA_TO_DEVICE);
        dma_unmap_single(dev, addr, 64, DMA_BIDIRECTIONAL);", false, false },
            new object[] { "never unmapped", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE);", true, true },
            new object[] { "unmapped on one path only (the path taken leaves it mapped)", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        if (buf.IsNull) dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true, true },
            new object[] { "kept in a field and unmapped by another method", @"
        _addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, _addr)) return;
        Release(dev);", false, false },
            new object[] { "freed while mapped", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        kfree(buf);
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true, true },
        };

        [Theory]
        [MemberData(nameof(Drivers))]
        public async Task TheRuleAndDmaDebug_Agree(string what, string body, bool ruleWarns, bool kernelReports)
        {
            string source = DriverRun.Source(@"    private static DmaAddr _addr;

    private static void Release(Device dev) => dma_unmap_single(dev, _addr, 64, DMA_FROM_DEVICE);", body);
            var (diagnostics, reports) = await DriverRun.AnalyseAndRunAsync(source);
            bool warned = diagnostics.Any(d => d.Id == Descriptors.MappingLifetimeBrokenId);
            bool reported = reports.Any(r => r.RuleId == Descriptors.MappingLifetimeBrokenId);
            Assert.True(kernelReports == reported, $"{what}: dma-debug {(reported ? "reported" : "did not report")}: {string.Join(" | ", reports.Select(r => r.Message))}");
            Assert.True(ruleWarns == warned, $"{what}: PA0007 {(warned ? "warned" : "was silent")}");
            Assert.True(!reported || warned, what);
        }
    }
}
