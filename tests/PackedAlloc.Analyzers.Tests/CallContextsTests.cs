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
    }
}
