using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>PA0006 and the emulation's report of a CPU access to memory a device owns (rule id PA0006) on the same drivers: they agree both ways.</summary>
    public class CpuTouchesDeviceBufferAgreementTests
    {
        public static IEnumerable<object[]> Drivers() => new[]
        {
            new object[] { "read while mapped for the device to write", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        buf.ToArray(64);
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true },
            new object[] { "read after the sync for the CPU", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE);
        buf.ToArray(64);
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false },
            new object[] { "write after the sync back to the device", @"
        var addr = dma_map_single(dev, buf, 64, DMA_BIDIRECTIONAL);
        if (dma_mapping_error(dev, addr)) return;
        dma_sync_single_for_cpu(dev, addr, 64, DMA_BIDIRECTIONAL);
        dma_sync_single_for_device(dev, addr, 64, DMA_BIDIRECTIONAL);
        memset(buf, 1, 64);
        dma_unmap_single(dev, addr, 64, DMA_BIDIRECTIONAL);", true },
            new object[] { "read of a buffer the device only reads", @"
        var addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        buf.ToArray(64);
        dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);", false },
            new object[] { "write after the unmap", @"
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
        memset(buf, 1, 64);", false },
        };

        [Theory]
        [MemberData(nameof(Drivers))]
        public async Task TheRuleAndTheEmulation_Agree(string what, string body, bool touches)
        {
            var (diagnostics, reports) = await DriverRun.AnalyseAndRunAsync(DriverRun.Source("", body));
            bool warned = diagnostics.Any(d => d.Id == Descriptors.CpuTouchesDeviceBufferId);
            bool reported = reports.Any(r => r.RuleId == Descriptors.CpuTouchesDeviceBufferId);
            Assert.True(touches == reported, $"{what}: the emulation {(reported ? "reported" : "did not report")} it");
            Assert.True(reported == warned, $"{what}: PA0006 {(warned ? "warned" : "was silent")}");
        }
    }
}
