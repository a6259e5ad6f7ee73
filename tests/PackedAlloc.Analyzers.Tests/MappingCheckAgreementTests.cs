using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// PA0003 and its run-time twin (dma-debug's "device driver failed to check map error", rule id PA0003) on the
    /// same drivers: each is compiled, analysed, and run on the emulated machine. Where the kernel reports a mapping
    /// that was never checked, PA0003 warns; where PA0003 is silent, the kernel is too. They differ in two ways, by
    /// design, pinned here: PA0003 reports a use before the check (dma-debug only asks, at unmap, whether a check
    /// ever happened), and it accepts a comparison with DMA_MAPPING_ERROR as the check (dma-debug counts only calls
    /// of dma_mapping_error, which is what the kernel's documentation asks drivers to use).
    /// </summary>
    public class MappingCheckAgreementTests
    {
        public static IEnumerable<object[]> Drivers() => new[]
        {
            new object[] { "unmapped, never checked", @"
        var addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);", true, true },
            new object[] { "checked, then unmapped", @"
        var addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);", false, false },
            new object[] { "compared with DMA_MAPPING_ERROR (PA0003 takes it as a check; dma-debug counts only the call)", @"
        var addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        if (addr == DMA_MAPPING_ERROR) return;
        dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);", false, true },
            new object[] { "returned by a helper, unmapped unchecked", @"
        var addr = Map(dev, buf);
        dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);", true, true },
            new object[] { "checked by a helper given the address", @"
        var addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        if (Failed(dev, addr)) return;
        dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);", false, false },
            new object[] { "unmapped by a helper, never checked", @"
        var addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        Unmap(dev, addr);", true, true },
            new object[] { "stored in a field and checked through it, unmapped by another method", @"
        _addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        if (dma_mapping_error(dev, _addr)) return;
        Release(dev);", false, false },
            new object[] { "stored in a field, never checked, unmapped by another method", @"
        _addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        Release(dev);", true, true },
            new object[] { "synced before the check (PA0003 only: dma-debug asks at unmap whether any check happened)", @"
        var addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        dma_sync_single_for_device(dev, addr, 64, DMA_TO_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);", true, false },
        };

        [Theory]
        [MemberData(nameof(Drivers))]
        public async Task TheRuleAndDmaDebug_Agree(string what, string body, bool ruleWarns, bool kernelReports)
        {
            string source = DriverRun.Source(@"    private static DmaAddr _addr;

    private static DmaAddr Map(Device dev, KernelPtr buf) => dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
    private static bool Failed(Device dev, DmaAddr addr) => dma_mapping_error(dev, addr);
    private static void Unmap(Device dev, DmaAddr addr) => dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);
    private static void Release(Device dev) => dma_unmap_single(dev, _addr, 64, DMA_TO_DEVICE);", body);
            var (diagnostics, reports) = await DriverRun.AnalyseAndRunAsync(source);
            bool warned = diagnostics.Any(d => d.Id == Descriptors.MappingErrorNotCheckedId);

            bool reported = reports.Any(r => r.RuleId == Descriptors.MappingErrorNotCheckedId
                && r.Message.Contains("failed to check map error", StringComparison.Ordinal));
            Assert.True(kernelReports == reported, $"{what}: dma-debug {(reported ? "reported" : "did not report")} a missed check");
            Assert.True(ruleWarns == warned, $"{what}: PA0003 {(warned ? "warned" : "was silent")}");

            // Apart from the comparison (above), what the kernel finds at run time, the build finds too.
            Assert.True(!reported || warned || body.Contains("== DMA_MAPPING_ERROR", StringComparison.Ordinal), what);
        }
    }
}
