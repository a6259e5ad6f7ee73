using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>PA0007: every claim of docs/rules/PA0007.md, both ways.</summary>
    public class MappingLifetimeTests
    {
        [Theory]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        [InlineData("dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE);", true)]
        [InlineData("if (fast) dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true)]
        [InlineData("if (fast) { dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE); return; } dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        [InlineData("if (fast) return; dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true)]
        public Task MappingTheMethodOwns_IsUnmappedOnEveryPathOut(string after, bool warns) =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf, bool fast)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        if (dma_mapping_error(dev, addr)) return;
        " + after + @"
    }
}", Verify.LifetimeIf(warns));

        [Theory]
        [InlineData("if (dma_mapping_error(dev, addr)) return -12;")]
        [InlineData("if (addr == DMA_MAPPING_ERROR) return -12;")]
        [InlineData("if (DMA_MAPPING_ERROR == addr) { return -12; }")]
        [InlineData("bool failed = dma_mapping_error(dev, addr); if (failed) return -12;")]
        [InlineData("if (!(addr != DMA_MAPPING_ERROR)) return -12;")]
        [InlineData("bool ok = !dma_mapping_error(dev, addr); if (!ok) return -12;")]
        public Task FailedMapping_HasNothingToUnmap(string check) =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    int Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        " + check + @"
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
        return 0;
    }
}");

        [Theory]
        [InlineData("_rx = addr;")]
        [InlineData("_ring[0] = addr;")]
        [InlineData("Submit(addr);")]
        [InlineData("_pending.Add(addr);")]
        public Task MappingStoredOrHandedOn_IsNotTheMethodsToUnmap(string handOn) =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    private DmaAddr _rx;
    private readonly DmaAddr[] _ring = new DmaAddr[4];
    private readonly List<DmaAddr> _pending = new List<DmaAddr>();

    void Submit(DmaAddr addr) => _rx = addr;

    void Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        " + handOn + @"
    }
}");

        [Fact]
        public Task MappingReturnedOrGivenBack_IsTheCallersToUnmap() =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    DmaAddr Map(Device dev, KernelPtr buf) => dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);

    void MapOut(Device dev, KernelPtr buf, out DmaAddr addr) => addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);

    void Use(Device dev, KernelPtr buf)
    {
        var a = Map(dev, buf);
        if (dma_mapping_error(dev, a)) return;
        dma_unmap_single(dev, a, 64, DMA_FROM_DEVICE);
        MapOut(dev, buf, out var b);
        if (dma_mapping_error(dev, b)) return;
        dma_unmap_single(dev, b, 64, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task SecondMappingFails_TheFirstLeaksOnThatPath() =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    int Open(Device dev, KernelPtr rx, KernelPtr tx)
    {
        var rxAddr = {|#0:dma_map_single(dev, rx, 64, DMA_FROM_DEVICE)|};
        if (dma_mapping_error(dev, rxAddr)) return -12;
        var txAddr = dma_map_single(dev, tx, 64, DMA_TO_DEVICE);
        if (dma_mapping_error(dev, txAddr)) return -12;   // rxAddr is still mapped here
        dma_unmap_single(dev, txAddr, 64, DMA_TO_DEVICE);
        dma_unmap_single(dev, rxAddr, 64, DMA_FROM_DEVICE);
        return 0;
    }
}", Verify.Lifetime());

        [Fact]
        public Task MappingReturnedByAHelper_AndNeverUnmapped_WarnsOnTheCall() =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    DmaAddr Map(Device dev, KernelPtr buf) => dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);

    void Use(Device dev, KernelPtr buf)
    {
        var a = {|#0:Map(dev, buf)|};
        if (dma_mapping_error(dev, a)) return;
        dma_sync_single_for_cpu(dev, a, 64, DMA_FROM_DEVICE);
    }
}", Verify.Lifetime());

        [Fact]
        public Task DiscardedMapping_Leaks() =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Prime(Device dev, KernelPtr buf)
    {
        {|#0:dma_map_single(dev, buf, 64, DMA_TO_DEVICE)|};
    }
}", Verify.Lifetime());

        [Theory]
        [InlineData("if (buf.IsNull) throw new InvalidOperationException(\"no buffer\");", true)]
        [InlineData("try { if (buf.IsNull) throw new InvalidOperationException(\"no buffer\"); } catch (InvalidOperationException) { }", false)]
        public Task PathThatThrowsOut_Leaks(string maybeThrow, bool warns) =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        if (dma_mapping_error(dev, addr)) return;
        " + maybeThrow + @"
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}", Verify.LifetimeIf(warns));

        [Theory]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        [InlineData("", true)]
        public Task MappingInALoop_IsUnmappedInTheLoop(string unmap, bool warns) =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Poll(Device dev, KernelPtr[] bufs)
    {
        foreach (var buf in bufs)
        {
            var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
            if (dma_mapping_error(dev, addr)) continue;
            dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE);
            " + unmap + @"
        }
    }
}", Verify.LifetimeIf(warns));

        [Theory]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE)", false)]
        [InlineData("dma_unmap_single(dev, addr, 128, DMA_FROM_DEVICE)", true)]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE)", true)]
        [InlineData("dma_unmap_single_attrs(dev, addr, 32, DMA_FROM_DEVICE, DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC)", true)]
        [InlineData("dma_unmap_single(dev, addr, size, DMA_FROM_DEVICE)", false)]
        public Task Unmap_MatchesTheMappingsSizeAndDirection(string unmap, bool warns) =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf, int size)
    {
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        {|#0:" + unmap + @"|};
    }
}", Verify.LifetimeIf(warns));

        [Theory]
        [InlineData("DMA_FROM_DEVICE", "dma_sync_single_for_cpu(dev, addr, 32, DMA_FROM_DEVICE)", false)]
        [InlineData("DMA_FROM_DEVICE", "dma_sync_single_for_cpu(dev, addr, 128, DMA_FROM_DEVICE)", true)]
        [InlineData("DMA_FROM_DEVICE", "dma_sync_single_for_device(dev, addr, 64, DMA_TO_DEVICE)", true)]
        [InlineData("DMA_BIDIRECTIONAL", "dma_sync_single_for_device(dev, addr, 64, DMA_TO_DEVICE)", false)]
        public Task Sync_StaysWithinTheMapping_AndKeepsItsDirection(string mapped, string sync, bool warns) =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, " + mapped + @");
        if (dma_mapping_error(dev, addr)) return;
        {|#0:" + sync + @"|};
        dma_unmap_single(dev, addr, 64, " + mapped + @");
    }
}", Verify.LifetimeIf(warns));

        [Fact]
        public Task UnmapThatMayMatchOneOfTwoMappings_DoesNotWarn() =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf, bool large)
    {
        var addr = large ? dma_map_single(dev, buf, 2048, DMA_FROM_DEVICE) : dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}");

        [Theory]
        [InlineData("{|#0:kfree(buf)|}; dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE);", true)]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE); kfree(buf);", false)]
        public Task FreeOfABufferStillMapped_Warns(string code, bool warns) =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Send(Device dev)
    {
        KernelPtr buf = kzalloc(64, GFP_KERNEL);
        var addr = dma_map_single(dev, buf, 64, DMA_TO_DEVICE);
        if (dma_mapping_error(dev, addr)) { kfree(buf); return; }
        " + code + @"
    }
}", Verify.LifetimeIf(warns));

        [Theory]
        [InlineData("default", true)]
        [InlineData("new DmaAddr(0x1000)", true)]
        [InlineData("DMA_MAPPING_ERROR", true)]
        [InlineData("addr", false)]
        public Task UnmapOfAnAddressNoMappingReturned_Warns(string address, bool warns) =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Stop(Device dev, DmaAddr addr)
    {
        {|#0:dma_unmap_single(dev, " + address + @", 64, DMA_FROM_DEVICE)|};
    }
}", Verify.LifetimeIf(warns));

        [Fact]
        public Task CodeThatDoesNotCompile_IsNotJudged() =>
            Verify.LifetimeAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, {|CS0103:DMA_SIDEWAYS|});
        dma_unmap_single(dev, addr, 32, DMA_TO_DEVICE);
    }
}");

        [Fact]
        public Task Messages_NameTheMappingAndWhatIsWrong() =>
            Verify.Create(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf, bool fast)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        if (dma_mapping_error(dev, addr)) return;
        if (fast) return;
        {|#1:dma_unmap_single(dev, addr, 128, DMA_TO_DEVICE)|};
    }
}").WithLifetimeChecks().Expect(
                new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MappingLifetimeBroken).WithLocation(0)
                    .WithArguments("The mapping made by 'dma_map_single' at Test0.cs:10 is not unmapped on a path that returns from 'Receive'"),
                new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MappingLifetimeBroken).WithLocation(1).WithLocation(0)
                    .WithArguments("The mapping made by 'dma_map_single' at Test0.cs:10 is unmapped with size 128 by 'dma_unmap_single', but was mapped with size 64"),
                new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.MappingLifetimeBroken).WithLocation(1).WithLocation(0)
                    .WithArguments("The mapping made by 'dma_map_single' at Test0.cs:10 is unmapped with DMA_TO_DEVICE by 'dma_unmap_single', but was mapped with DMA_FROM_DEVICE")).RunAsync();
    }
}
