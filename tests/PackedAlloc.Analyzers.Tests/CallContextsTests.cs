using System.Linq;
using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// What makes two calls of a method two contexts: the values that can matter to a mapping. A byte or character
    /// buffer cannot hold a kernel value, so which one a call passes does not make a context of its own.
    /// </summary>
    public class CallContextsTests
    {
        /// <summary>
        /// Seventy calls, each with its own data array, are one context for the helper: its mapping is checked for
        /// all of them, with no notice about the cap of 64 contexts.
        /// </summary>
        [Fact]
        public Task DistinctDataBuffers_AreOneContext() => Verify.Analyzer(@"
class Driver
{
    static void Send(Device dev, KernelPtr p, byte[] payload, System.ReadOnlySpan<char> label)
    {
        dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
    }

    void Run(Device dev)
    {
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
" + string.Concat(Enumerable.Range(0, 70).Select(i => $"        Send(dev, p, new byte[{i + 1}], new char[{i + 1}]);\n")) + @"    }
}", Verify.Diagnostic());

        /// <summary>
        /// Forty calls with forty different sizes: after <see cref="Flow.CompilationFlow.ContextsBeforeWidening"/>
        /// contexts the calls share one widened context, grown by each call's values until its set of sizes is not
        /// known any more, so the helper is analysed a few dozen times at most, not once per call; the one call with a
        /// packed buffer is still found.
        /// </summary>
        [Fact]
        public void ManyDistinctConstants_ShareAWidenedContext()
        {
            var source = new System.Text.StringBuilder("class D {\n static void MapIt(Device dev, KernelPtr p, int len) => dma_map_single(dev, p, len, DMA_FROM_DEVICE);\n");
            source.Append(" static void Run(Device dev) {\n");
            for (int i = 1; i <= 40; i++)
            {
                source.Append($"  MapIt(dev, kmalloc(4096, GFP_KERNEL), {i * 8});\n");
            }

            source.Append("  MapIt(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED), 24);\n }\n}\n");
            var flow = FlowRunner.Run(source.ToString());
            Assert.Single(flow.Hits);
            Assert.Empty(flow.OverBudget);
            // One analysis per call would be 43 (the roots, 41 calls); widened, it is 19.
            Assert.InRange(flow.Analyses, 1, 24);
        }

        /// <summary>
        /// The price of widening (PA0001.md, limits): past the first contexts, what the calls pass is joined, so a
        /// packed buffer mapped DMA_TO_DEVICE by one caller and a safe buffer mapped DMA_FROM_DEVICE by another warn
        /// together, though neither call alone is unsafe.
        /// </summary>
        [Fact]
        public Task PastTheFirstContexts_ValuesAreJoined() => Verify.Analyzer(@"
class Driver
{
    static void MapIt(Device dev, KernelPtr p, DmaDirection dir, int len) => dma_map_single(dev, {|#0:p|}, len, dir);

    void Run(Device dev)
    {
" + string.Concat(Enumerable.Range(1, 8).Select(i => $"        MapIt(dev, kmalloc(4096, GFP_KERNEL), DMA_FROM_DEVICE, {i * 512});\n")) + @"
        MapIt(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED), DMA_TO_DEVICE, 24);
        MapIt(dev, kmalloc(4096, GFP_KERNEL), DMA_FROM_DEVICE, 24);
    }
}", Verify.Diagnostic());
    }
}
