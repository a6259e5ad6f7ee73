using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>Scatterlist entries filled by sg_init_one / sg_set_buf and mapped with dma_map_sg.</summary>
    public class ScatterListTests
    {
        [Fact]
        public Task SgInitOne_ThenMapSg_WarnsOnTheScatterlistArgument() => Verify.Analyzer(@"
class Spi
{
    void Transfer(Device dev)
    {
        KernelPtr cmd = kmalloc(4, GFP_KERNEL | __GFP_PACKED);
        var sg = new ScatterList();
        sg_init_one(sg, cmd, 4);
        var sgl = new[] { sg };
        dma_map_sg(dev, {|#0:sgl|}, 1, DMA_BIDIRECTIONAL);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task SgSetBufOnTableEntries_Warns() => Verify.Analyzer(@"
class Spi
{
    void Transfer(Device dev)
    {
        var sgl = new ScatterList[2];
        sg_init_table(sgl, 2);
        sg_set_buf(sgl[0], kmalloc(512, GFP_KERNEL), 512);
        sg_set_buf(sgl[1], kmalloc(8, GFP_KERNEL | __GFP_PACKED), 8);
        dma_map_sg(dev, {|#0:sgl|}, 2, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task EntryReadIntoLocalThenSet_Warns() => Verify.Analyzer(@"
class Spi
{
    void Transfer(Device dev)
    {
        var sgl = new ScatterList[2];
        sg_init_table(sgl, 2);
        ScatterList last = sgl[1];
        sg_set_buf(last, kzalloc(16, GFP_KERNEL | __GFP_PACKED), 16);
        dma_map_sg(dev, {|#0:sgl|}, 2, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task SafeBuffersOnly_DoesNotWarn() => Verify.Analyzer(@"
class Spi
{
    void Transfer(Device dev)
    {
        var sgl = new ScatterList[2];
        sg_init_table(sgl, 2);
        sg_set_buf(sgl[0], kmalloc(8, GFP_KERNEL), 8);
        sg_set_buf(sgl[1], kmalloc(16, GFP_KERNEL), 16);
        dma_map_sg(dev, sgl, 2, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task PackedEntryMappedToDevice_DoesNotWarn() => Verify.Analyzer(@"
class Spi
{
    void Transfer(Device dev)
    {
        var sg = new ScatterList();
        sg_init_one(sg, kmalloc(4, GFP_KERNEL | __GFP_PACKED), 4);
        dma_map_sg(dev, new[] { sg }, 1, DMA_TO_DEVICE);
    }
}");

        [Fact]
        public Task PackedEntryInAnotherList_DoesNotTaintThisOne() => Verify.Analyzer(@"
class Spi
{
    void Transfer(Device dev)
    {
        var packed = new ScatterList();
        sg_init_one(packed, kmalloc(4, GFP_KERNEL | __GFP_PACKED), 4);
        var safe = new ScatterList();
        sg_init_one(safe, kmalloc(512, GFP_KERNEL), 512);
        dma_map_sg(dev, new[] { safe }, 1, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task ScatterlistBuiltByHelper_Warns() => Verify.Analyzer(@"
class Spi
{
    ScatterList[] Build(KernelPtr buf, int len)
    {
        var sgl = new ScatterList[1];
        sg_init_table(sgl, 1);
        sg_set_buf(sgl[0], buf, len);
        return sgl;
    }

    void Transfer(Device dev)
    {
        var sgl = Build(kmalloc(24, GFP_KERNEL | __GFP_PACKED), 24);
        dma_map_sg(dev, {|#0:sgl|}, 1, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task SgVirt_ReturnsTheEntrysBuffer() => Verify.Analyzer(@"
class Spi
{
    void Transfer(Device dev)
    {
        var sg = new ScatterList();
        sg_init_one(sg, kmalloc(24, GFP_KERNEL | __GFP_PACKED), 24);
        dma_map_single(dev, {|#0:sg_virt(sg)|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task MapSgAttrs_IsASink() => Verify.Analyzer(@"
class Spi
{
    void Transfer(Device dev)
    {
        var sg = new ScatterList();
        sg_init_one(sg, kmalloc(24, GFP_KERNEL | __GFP_PACKED), 24);
        var sgl = new[] { sg };
        dma_map_sg_attrs(dev, {|#0:sgl|}, 1, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
    }
}", Verify.Diagnostic());
    }
}
