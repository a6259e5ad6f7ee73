using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// Objects a helper creates are distinct per calling context (heap cloning, issue 10 family 1): the helper that
    /// builds its own scatterlist and maps it is the commonest driver shape, and its callers must not share the
    /// scatterlist it builds for each of them.
    /// </summary>
    public class HeapContextsTests
    {
        private const string MapOneHelper = @"
static class Sg
{
    public static void MapOne(Device dev, KernelPtr buf, int len, DmaDirection dir)
    {
        var sg = new ScatterList[1];
        sg_init_table(sg, 1);
        sg_set_buf(sg[0], buf, len);
        dma_map_sg(dev, {|#0:sg|}, 1, dir);
    }
}";

        [Fact]
        public Task HelperScatterlist_PackedToDeviceAndSafeFromDevice_DoesNotWarn() => Verify.Analyzer(MapOneHelper.Replace("{|#0:sg|}", "sg") + @"
class Driver
{
    void Send(Device dev) => Sg.MapOne(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED), 24, DMA_TO_DEVICE);
    void Receive(Device dev) => Sg.MapOne(dev, kmalloc(24, GFP_KERNEL), 24, DMA_FROM_DEVICE);
}");

        [Fact]
        public Task HelperScatterlist_PackedFromDevice_Warns() => Verify.Analyzer(MapOneHelper + @"
class Driver
{
    void Send(Device dev) => Sg.MapOne(dev, kmalloc(24, GFP_KERNEL), 24, DMA_TO_DEVICE);
    void Receive(Device dev) => Sg.MapOne(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED), 24, DMA_FROM_DEVICE);
}", Verify.Diagnostic());

        private const string MakeRequest = @"
sealed class Request { public KernelPtr Buf; public DmaDirection Dir; }
static class Requests
{
    public static Request Make(KernelPtr buf, DmaDirection dir) => new Request { Buf = buf, Dir = dir };
}";

        [Fact]
        public Task ObjectsMadeByOneFactory_ForTwoCallers_AreKeptApart() => Verify.Analyzer(MakeRequest + @"
class Driver
{
    void Run(Device dev)
    {
        var tx = Requests.Make(kmalloc(24, GFP_KERNEL | __GFP_PACKED), DMA_TO_DEVICE);
        var rx = Requests.Make(kmalloc(24, GFP_KERNEL), DMA_FROM_DEVICE);
        dma_map_single(dev, tx.Buf, 24, tx.Dir);
        dma_map_single(dev, rx.Buf, 24, rx.Dir);
    }
}");

        [Fact]
        public Task ObjectsMadeByOneFactory_PackedMappedFromDevice_Warns() => Verify.Analyzer(MakeRequest + @"
class Driver
{
    void Run(Device dev)
    {
        var tx = Requests.Make(kmalloc(24, GFP_KERNEL), DMA_TO_DEVICE);
        var rx = Requests.Make(kmalloc(24, GFP_KERNEL | __GFP_PACKED), DMA_FROM_DEVICE);
        dma_map_single(dev, tx.Buf, 24, tx.Dir);
        dma_map_single(dev, {|#0:rx.Buf|}, 24, rx.Dir);
    }
}", Verify.Diagnostic());
    }
}
