using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>Collection APIs the rule page names: each one carries a packed buffer (warning) and a safe one (silent).</summary>
    public class CollectionsTests
    {
        private static Task Check(string body, bool packed, string usings = "")
        {
            var alloc = packed ? "kmalloc(24, GFP_KERNEL | __GFP_PACKED)" : "kmalloc(24, GFP_KERNEL)";
            var source = usings + @"
class Driver
{
    void Receive(Device dev)
    {
" + body.Replace("ALLOC", alloc) + @"
    }
}";
            return packed ? Verify.Analyzer(source, Verify.Diagnostic()) : Verify.Analyzer(source.Replace("{|#0:", "").Replace("|}", ""));
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task ListIndexer(bool packed) => Check(@"
        var list = new List<KernelPtr>();
        list.Add(ALLOC);
        dma_map_single(dev, {|#0:list[0]|}, 24, DMA_FROM_DEVICE);", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task DictionaryAddAndValues(bool packed) => Check(@"
        var byId = new Dictionary<int, KernelPtr>();
        byId.Add(1, ALLOC);
        foreach (var buf in byId.Values)
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task QueueEnqueueDequeue(bool packed) => Check(@"
        var queue = new Queue<KernelPtr>();
        queue.Enqueue(ALLOC);
        dma_map_single(dev, {|#0:queue.Dequeue()|}, 24, DMA_FROM_DEVICE);", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task StackPushTryPop(bool packed) => Check(@"
        var stack = new Stack<KernelPtr>();
        stack.Push(ALLOC);
        if (stack.TryPop(out var buf))
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task CollectionInitializerAndLinq(bool packed) => Check(@"
        var bufs = new List<KernelPtr> { ALLOC };
        foreach (var p in System.Linq.Enumerable.Select(bufs, b => b + 4))
            dma_map_single(dev, {|#0:p|}, 8, DMA_FROM_DEVICE);", packed);

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task CatchBlocks(bool packed) => Check(@"
        KernelPtr buf = kmalloc(512, GFP_KERNEL);
        try
        {
            buf = ALLOC;
            throw new InvalidOperationException();
        }
        catch (InvalidOperationException)
        {
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
        }", packed);

        [Fact]
        public Task ElementsOfDifferentLocalLists_AreSeparate() => Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        var packed = new List<KernelPtr> { kmalloc(24, GFP_KERNEL | __GFP_PACKED) };
        var safe = new List<KernelPtr> { kmalloc(24, GFP_KERNEL) };
        dma_map_single(dev, safe[0], 24, DMA_FROM_DEVICE);
    }
}");

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task LinqSelect_ResultHoldsWhatTheSelectorReturns(bool packed) => Check(@"
        var packedOnes = new List<KernelPtr> { kmalloc(24, GFP_KERNEL | __GFP_PACKED) };
        // kmemdup copies: the packed sources do not flow on, only what the selector returns.
        var copies = packedOnes.Select(p => kmemdup(p, 24, " + (packed ? "GFP_KERNEL | __GFP_PACKED" : "GFP_KERNEL") + @")).ToList();
        foreach (var buf in copies)
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);", packed, "using System.Linq;\n");

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public Task LinqPassThrough_WhereOrderByToArrayFirst(bool packed) => Check(@"
        var bufs = new List<KernelPtr> { ALLOC };
        var first = bufs.Where(b => b.Address != 0).OrderBy(b => b.Address).ToArray().First();
        dma_map_single(dev, {|#0:first|}, 24, DMA_FROM_DEVICE);", packed, "using System.Linq;\n");
    }
}
