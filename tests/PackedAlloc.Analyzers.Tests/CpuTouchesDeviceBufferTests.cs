using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>PA0006: every claim of docs/rules/PA0006.md, both ways.</summary>
    public class CpuTouchesDeviceBufferTests
    {
        [Theory]
        [InlineData("{|#0:buf.AsSpan(64)|}.Fill(0)")]
        [InlineData("{|#0:buf.Write(new byte[8])|}")]
        [InlineData("{|#0:buf.AsReadOnlySpan(64)|}.ToArray()")]
        [InlineData("{|#0:buf.ToArray(64)|}")]
        [InlineData("{|#0:memset(buf, 0, 64)|}")]
        [InlineData("{|#0:memcpy(buf, other, 64)|}")]
        [InlineData("{|#0:memcpy(other, buf, 64)|}")]
        [InlineData("{|#0:(buf + 8).AsSpan(8)|}.Clear()")]
        public Task CpuAccess_WhileTheDeviceOwnsTheBuffer_Warns(string access) =>
            Verify.OwnershipAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr other)
    {
        KernelPtr buf = kmalloc(64, GFP_KERNEL);
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        " + access + @";
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}", Verify.Touch());

        [Theory]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE); buf.ToArray(64);", false)]
        [InlineData("dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE); buf.ToArray(64); dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        [InlineData("dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE); dma_sync_single_for_device(dev, addr, 64, DMA_FROM_DEVICE); {|#0:buf.ToArray(64)|}; dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true)]
        [InlineData("KernelPtr alias = buf; {|#0:alias.AsSpan(4)|}.Clear(); dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", true)]
        [InlineData("other.AsSpan(4).Clear(); dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);", false)]
        public Task Ownership_EndsAtTheSyncForTheCpuOrTheUnmap_AndFollowsAliases(string after, bool warns) =>
            Verify.OwnershipAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr other)
    {
        KernelPtr buf = kmalloc(64, GFP_KERNEL);
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        " + after + @"
    }
}", Verify.TouchIf(warns));

        [Theory]
        [InlineData("DMA_TO_DEVICE", false)]
        [InlineData("DMA_BIDIRECTIONAL", true)]
        [InlineData("DMA_FROM_DEVICE", true)]
        [InlineData("dir", false)]
        public Task OnlyMappingsTheDeviceWrites_GiveItTheBuffer(string direction, bool warns) =>
            Verify.OwnershipAnalyzer(@"
class Driver
{
    void Send(Device dev, KernelPtr buf, DmaDirection dir)
    {
        var addr = dma_map_single(dev, buf, 64, " + direction + @");
        if (dma_mapping_error(dev, addr)) return;
        {|#0:buf.ToArray(64)|};
        dma_unmap_single(dev, addr, 64, " + direction + @");
    }
}", Verify.TouchIf(warns));

        [Fact]
        public Task FreeOfABufferTheDeviceOwns_AfterTheMappingWasHandedOn_Warns() =>
            Verify.OwnershipAnalyzer(@"
class Driver
{
    private DmaAddr _rx;

    void Drop(Device dev)
    {
        KernelPtr buf = kmalloc(64, GFP_KERNEL);
        _rx = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, _rx)) return;
        {|#0:kfree(buf)|};
    }
}", Verify.Touch());

        [Fact]
        public Task FreeingTheBufferOnTheFailedMappingsBranch_DoesNotWarn() =>
            Verify.OwnershipAnalyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(64, GFP_KERNEL);
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) { kfree(buf); return; }
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
        kfree(buf);
    }
}");

        [Fact]
        public Task ParameterBuffer_MappedAndTouchedInTheMethod_Warns() =>
            Verify.OwnershipAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, DMA_BIDIRECTIONAL);
        if (dma_mapping_error(dev, addr)) return;
        {|#0:memset(buf, 0, 64)|};
        dma_unmap_single(dev, addr, 64, DMA_BIDIRECTIONAL);
    }
}", Verify.Touch());

        [Fact]
        public Task CodeThatDoesNotCompile_IsNotJudged() =>
            Verify.OwnershipAnalyzer(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        memset(buf, 0, {|CS0103:LENGTH|});
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task Message_NamesTheAccessAndTheMapping() =>
            Verify.Create(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = {|#1:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        if (dma_mapping_error(dev, addr)) return;
        {|#0:memset(buf, 0, 64)|};
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}").WithOwnershipChecks().Expect(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.CpuTouchesDeviceOwnedBuffer)
                .WithLocation(0).WithLocation(1).WithArguments("memset", "writes", "dma_map_single", "Test0.cs:10")).RunAsync();
    }
}
