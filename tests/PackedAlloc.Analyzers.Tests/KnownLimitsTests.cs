using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// Realistic code at the edges of what the engine follows ("What it does not follow" in docs/rules/PA0001.md):
    /// each test pins today's behaviour, so a change to the mechanism shows up here and the page is updated with it.
    /// </summary>
    public class KnownLimitsTests
    {
        [Fact]
        public Task PropertyWithBackingField_KeepsObjectsApart() => Verify.Analyzer(@"
class Desc { private KernelPtr _b; public KernelPtr Buf { get => _b; set => _b = value; } }
class Driver
{
    void Receive(Device dev)
    {
        var d = new Desc();
        d.Buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        var s = new Desc();
        s.Buf = kmalloc(24, GFP_KERNEL);
        dma_map_single(dev, {|#0:d.Buf|}, 24, DMA_FROM_DEVICE);
        dma_map_single(dev, s.Buf, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task CallBetweenWriteAndMap_KeepsObjectsApart() => Verify.Analyzer(@"
class Holder { public KernelPtr Buf; }
class Driver
{
    static void Log(Holder h) { }
    void Receive(Device dev)
    {
        var a = new Holder();
        a.Buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        var b = new Holder();
        b.Buf = kmalloc(24, GFP_KERNEL);
        Log(b);
        dma_map_single(dev, b.Buf, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task RefReturnedSlot_IsNotFollowedYet() => Verify.Analyzer(@"
class Driver
{
    KernelPtr[] ring = new KernelPtr[4];
    ref KernelPtr Slot(int i) => ref ring[i];
    void Receive(Device dev)
    {
        Slot(0) = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, ring[0], 24, DMA_FROM_DEVICE);
    }
}"); // A miss: writes through a ref-returning method do not reach the storage it returns.

        [Fact]
        public void SeventyCallersOfOneMappingHelper_PastTheContextCapIsSaidNotSilent()
        {
            var source = new System.Text.StringBuilder("class D {\n static void MapIt(Device dev, KernelPtr p) => dma_map_single(dev, p, 24, DMA_FROM_DEVICE);\n");
            for (int i = 0; i < 70; i++)
            {
                source.Append($" static void R{i}(Device dev) {{ MapIt(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED)); }}\n");
            }

            source.Append("}\n");
            var flow = FlowRunner.Run(source.ToString());
            // The helper is analysed in at most MaxContextsPerBody contexts (one of them its own root analysis);
            // the callers past that get no PA0001, and PA0002 names the helper so the gap is visible.
            Assert.Equal(Flow.CompilationFlow.MaxContextsPerBody - 1, flow.Hits.Count);
            var overBudget = Assert.Single(flow.OverBudget);
            Assert.Equal("MapIt", overBudget.Body.Owner.Name);
            Assert.Contains("calling contexts", overBudget.Reason, System.StringComparison.Ordinal);
        }

        /// <summary>
        /// Objects that a field initializer makes through a call, rather than with <c>new</c> from constants, are one per
        /// class, not one per object (PA0001.md, limits): the helper is analysed once for the class's initializer, so
        /// a ring used for CPU-only packed buffers and a ring used for DMA share the slot array it returns, and the DMA
        /// ring's mapping warns. (With <c>new T[8]</c> in the initializer they are kept apart: ObjectFieldsTests.)
        /// </summary>
        [Fact]
        public Task SlotArrayMadeByAHelper_IsSharedByTwoRings() => Verify.Analyzer(@"
sealed class Ring<T>
{
    private readonly T[] _slots = NewSlots();
    private int _head;

    private static T[] NewSlots() => new T[8];

    public void Put(T item) => _slots[_head++ & 7] = item;

    public T Take() => _slots[--_head & 7];
}

class Driver
{
    void Run(Device dev)
    {
        var cpuOnly = new Ring<KernelPtr>();
        var dma = new Ring<KernelPtr>();
        cpuOnly.Put(kmalloc(24, GFP_KERNEL | __GFP_PACKED));
        dma.Put(kmalloc(24, GFP_KERNEL));
        dma_map_single(dev, {|#0:dma.Take()|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());
    }
}
