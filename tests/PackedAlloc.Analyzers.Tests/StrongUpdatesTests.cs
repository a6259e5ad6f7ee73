using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// A later write to a single known location replaces what it held (strong update, issue 10 family 3): an array
    /// element at a constant index, an element reached through a ref local, a property with a hand-written getter
    /// and setter over a backing field, a field reset inside a callee. Each both ways: the overwrite with a safe
    /// buffer is silent, the overwrite with a packed one warns.
    /// </summary>
    public class StrongUpdatesTests
    {
        [Theory]
        [InlineData("GFP_KERNEL", false)]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        public Task ArrayElementAtAConstantIndex_IsReplaced(string later, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Run(Device dev)
    {{
        var bufs = new KernelPtr[2];
        bufs[0] = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        bufs[0] = kmalloc(24, {later});
        dma_map_single(dev, {(warns ? "{|#0:bufs[0]|}" : "bufs[0]")}, 24, DMA_FROM_DEVICE);
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("GFP_KERNEL", false)]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        public Task ElementThroughARefLocal_IsReplaced(string later, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Run(Device dev)
    {{
        var ring = new KernelPtr[4];
        ring[1] = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        ref KernelPtr slot = ref ring[1];
        slot = kmalloc(24, {later});
        dma_map_single(dev, {(warns ? "{|#0:slot|}" : "slot")}, 24, DMA_FROM_DEVICE);
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("GFP_KERNEL", false)]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        public Task PropertyOverABackingField_IsReplaced(string later, bool warns) => Verify.Analyzer($@"
class Request
{{
    private KernelPtr _buf;
    public KernelPtr Buf {{ get {{ return _buf; }} set {{ _buf = value; }} }}
}}

class Driver
{{
    void Run(Device dev)
    {{
        var request = new Request();
        request.Buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        request.Buf = kmalloc(24, {later});
        dma_map_single(dev, {(warns ? "{|#0:request.Buf|}" : "request.Buf")}, 24, DMA_FROM_DEVICE);
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("GFP_KERNEL", false)]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        public Task FieldResetInsideACallee_IsReplaced(string later, bool warns) => Verify.Analyzer($@"
class Driver
{{
    private KernelPtr _buf;

    void Reset() => _buf = kmalloc(24, {later});

    void Run(Device dev)
    {{
        _buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        Reset();
        dma_map_single(dev, {(warns ? "{|#0:_buf|}" : "_buf")}, 24, DMA_FROM_DEVICE);
    }}
}}", Verify.DiagnosticIf(warns));


        [Fact]
        public Task FieldResetOnSomePathsOfACallee_KeepsTheOldValue() => Verify.Analyzer(@"
class Driver
{
    private KernelPtr _buf;

    void MaybeReset(bool idle)
    {
        if (idle) _buf = kmalloc(24, GFP_KERNEL);
    }

    void Run(Device dev, bool idle)
    {
        _buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        MaybeReset(idle);
        dma_map_single(dev, {|#0:_buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task FieldResetOfOneOfTwoObjectsInACallee_KeepsTheOldValue() => Verify.Analyzer(@"
sealed class Holder { public KernelPtr Buf; }

class Driver
{
    static void ResetOne(Holder a, Holder b, bool first)
    {
        var holder = first ? a : b;
        holder.Buf = kmalloc(24, GFP_KERNEL);
    }

    void Run(Device dev, bool first)
    {
        var a = new Holder();
        var b = new Holder();
        a.Buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        ResetOne(a, b, first);
        dma_map_single(dev, {|#0:a.Buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task ElementOfAnArrayInAField_IsNotReplaced() => Verify.Analyzer(@"
class Driver
{
    KernelPtr[] _ring = new KernelPtr[4];

    void Run(Device dev)
    {
        _ring[1] = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        _ring[1] = kmalloc(24, GFP_KERNEL);
        // The field's array may be any array of the class (PA0001.md, limits): the packed buffer may still be there.
        dma_map_single(dev, {|#0:_ring[1]|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());
    }
}
