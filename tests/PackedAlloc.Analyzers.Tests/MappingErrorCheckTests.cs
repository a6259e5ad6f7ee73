using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>PA0003: every claim of docs/rules/PA0003.md, both ways.</summary>
    public class MappingErrorCheckTests
    {
        [Theory]
        [InlineData("dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE);", true)]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true)]
        [InlineData("dev.DmaWrite(addr, new byte[64]);", true)]
        [InlineData("if (dma_mapping_error(dev, addr)) return; dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        [InlineData("if (addr == DMA_MAPPING_ERROR) return; dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        [InlineData("if (DMA_MAPPING_ERROR != addr) dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        [InlineData("bool failed = dma_mapping_error(dev, addr); dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE); if (dma_mapping_error(dev, addr)) return;", true)]
        [InlineData("", false)]
        public Task UseOfAMapping_WarnsUnlessCheckedFirst(string after, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        DmaAddr addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        " + after + @"
    }
}", Verify.UncheckedIf(warns));

        [Theory]
        [InlineData("if (fast) { if (dma_mapping_error(dev, addr)) return; }", true)]
        [InlineData("if (fast) { if (dma_mapping_error(dev, addr)) return; } else if (dma_mapping_error(dev, addr)) { return; }", false)]
        public Task CheckOnSomePathsOnly_Warns(string check, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf, bool fast)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        " + check + @"
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}", Verify.UncheckedIf(warns));

        [Fact]
        public Task DiscardedResult_DoesNotWarn() =>
            Verify.MappingAnalyzer(@"
class Driver
{
    void Prime(Device dev, KernelPtr buf) => dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
}");

        [Theory]
        [InlineData("_rx = addr;", true)]
        [InlineData("_rx = addr; if (dma_mapping_error(dev, _rx)) return -12;", false)]
        [InlineData("if (dma_mapping_error(dev, addr)) return -12; _rx = addr;", false)]
        [InlineData("_ring[0] = addr;", true)]
        [InlineData("if (dma_mapping_error(dev, addr)) return -12; _ring[0] = addr;", false)]
        [InlineData("Rx = addr;", true)]
        public Task StoredMapping_WarnsWhenTheMethodReturnsWithoutACheck(string store, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    private DmaAddr _rx;
    private readonly DmaAddr[] _ring = new DmaAddr[4];
    public DmaAddr Rx { get; set; }

    int Open(Device dev, KernelPtr buf)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        " + store + @"
        return 0;
    }
}", Verify.UncheckedIf(warns));

        [Theory]
        [InlineData("", true)]
        [InlineData("if (dma_mapping_error(dev, _rx)) return -12;", false)]
        public Task StoredMapping_IsJudgedOnThePathsThatStoredIt(string check, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    private DmaAddr _rx;

    int Open(Device dev, KernelPtr buf)
    {
        if (buf.IsNull) return -22;
        _rx = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        " + check + @"
        return 0;
    }
}", Verify.UncheckedIf(warns));

        [Theory]
        [InlineData("var result = new DmaAddr[count]; for (int i = 0; i < count; i++) result[i] = map(bufs[i]); return result;", false)]
        [InlineData("for (int i = 0; i < count; i++) ring[i] = map(bufs[i]); return ring;", false)]
        [InlineData("for (int i = 0; i < count; i++) _ring[i] = map(bufs[i]); return new DmaAddr[0];", true)]
        public Task MappingsReturnedInAnArray_MoveTheDutyToTheCaller(string body, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    private readonly DmaAddr[] _ring = new DmaAddr[8];
    private Device _dev;

    DmaAddr[] MapAll(KernelPtr[] bufs, int count, DmaAddr[] ring)
    {
        Func<KernelPtr, DmaAddr> map = p => {|#0:dma_map_single(_dev, p, 64, DMA_FROM_DEVICE)|};
        " + body + @"
    }
}", Verify.UncheckedIf(warns));

        [Fact]
        public Task MappingCheckedWhereItWasStored_IsNotReportedWhereAnotherMethodUsesIt() =>
            Verify.MappingAnalyzer(@"
class Driver
{
    private DmaAddr _rx;

    int Open(Device dev, KernelPtr buf)
    {
        _rx = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, _rx)) return -12;
        return 0;
    }

    void Interrupt(Device dev) => dma_unmap_single(dev, _rx, 64, DMA_FROM_DEVICE);
}");

        [Theory]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true)]
        [InlineData("if (dma_mapping_error(dev, addr)) return; dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        public Task HelperThatReturnsAMapping_MovesTheDutyToItsCaller(string use, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    DmaAddr MapRx(Device dev, KernelPtr buf) => dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);

    void Receive(Device dev, KernelPtr buf)
    {
        var addr = {|#0:MapRx(dev, buf)|};
        " + use + @"
    }
}", Verify.UncheckedIf(warns));

        [Fact]
        public Task HelperThatChecksBeforeReturning_NeedsNoCheckInItsCaller() =>
            Verify.MappingAnalyzer(@"
class Driver
{
    DmaAddr MapRx(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) throw new InvalidOperationException(""no mapping"");
        return addr;
    }

    void Receive(Device dev, KernelPtr buf)
    {
        var addr = MapRx(dev, buf);
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}");

        [Theory]
        [InlineData("if (Failed(dev, addr)) return;", false)]
        [InlineData("", true)]
        public Task HelperThatChecksItsParameter_ChecksTheCallersMapping(string check, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    static bool Failed(Device dev, DmaAddr addr) => dma_mapping_error(dev, addr);

    void Receive(Device dev, KernelPtr buf)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        " + check + @"
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}", Verify.UncheckedIf(warns));

        [Theory]
        [InlineData("if (dma_mapping_error(dev, addr)) return; Sync(dev, addr);", false)]
        [InlineData("Sync(dev, addr);", true)]
        [InlineData("Sync(dev, addr); if (dma_mapping_error(dev, addr)) return;", true)]
        public Task HelperThatUsesItsParameter_IsJudgedByWhetherTheCallerChecked(string body, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    static void Sync(Device dev, DmaAddr addr) => dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE);

    void Receive(Device dev, KernelPtr buf)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        " + body + @"
    }

    void Other(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        Sync(dev, addr);
    }
}", Verify.UncheckedIf(warns));

        [Fact]
        public Task MappingInALoop_CheckedEachTime_DoesNotWarn() =>
            Verify.MappingAnalyzer(@"
class Driver
{
    void Fill(Device dev, KernelPtr[] bufs, DmaAddr[] ring)
    {
        for (int i = 0; i < bufs.Length; i++)
        {
            var addr = dma_map_single(dev, bufs[i], 64, DMA_FROM_DEVICE);
            if (dma_mapping_error(dev, addr)) break;
            ring[i] = addr;
        }
    }
}");

        [Fact]
        public Task MappingInALoop_CheckedAfterItsUse_Warns() =>
            Verify.MappingAnalyzer(@"
class Driver
{
    void Fill(Device dev, KernelPtr[] bufs)
    {
        for (int i = 0; i < bufs.Length; i++)
        {
            var addr = {|#0:dma_map_single(dev, bufs[i], 64, DMA_FROM_DEVICE)|};
            dma_sync_single_for_device(dev, addr, 64, DMA_FROM_DEVICE);
            if (dma_mapping_error(dev, addr)) break;
        }
    }
}", Verify.Unchecked());

        [Theory]
        [InlineData("if (count == 0) return;", false)]
        [InlineData("if (count <= 0) return;", false)]
        [InlineData("if (0 == count) return;", false)]
        [InlineData("", true)]
        public Task ScatterListCount_IsCheckedAgainstZero(string check, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    void Submit(Device dev, ScatterList[] sgl, DmaAddr[] descriptors)
    {
        int count = {|#0:dma_map_sg(dev, sgl, sgl.Length, DMA_TO_DEVICE)|};
        " + check + @"
        for (int i = 0; i < count; i++)
        {
            descriptors[i] = sg_dma_address(sgl[i]);
        }
    }
}", Verify.UncheckedIf(warns));

        [Theory]
        [InlineData("", true)]
        [InlineData("if (dma_mapping_error(dev, addr)) return;", false)]
        public Task SwiotlbMapping_IsAMappingToo(string check, bool warns) =>
            Verify.MappingAnalyzer(@"
class Driver
{
    void Bounce(Device dev, KernelPtr buf)
    {
        var addr = {|#0:swiotlb_map(dev, virt_to_phys(buf), 64, DMA_FROM_DEVICE, DmaAttrs.None)|};
        " + check + @"
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}", Verify.UncheckedIf(warns));

        [Fact]
        public Task CodeThatDoesNotCompile_IsNotJudged() =>
            Verify.MappingAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, {|CS0103:DMA_SIDEWAYS|});
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task Message_NamesTheMappingTheUseAndTheCheck() =>
            Verify.Create(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}").WithMappingChecks().Expect(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MappingErrorNotChecked)
                .WithLocation(0).WithLocation("/0/Test0.cs", 11, 9)
                .WithArguments("dma_map_single", "'dma_unmap_single'", "Test0.cs:11", "a dma_mapping_error() check")).RunAsync();
    }
}
