using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using PackedAlloc.Analyzers.Tests.Infrastructure;
using PackedAlloc.CodeFixes;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>The three PA0001 fixes: each applied, across documents, in Fix All, and where it is not offered.</summary>
    public class CodeFixTests
    {
        private static DiagnosticResult D(int key = 0) => Verify.Diagnostic(key);

        // ---- Fix 1: remove __GFP_PACKED ----

        [Fact]
        public Task RemoveFlag_FromConstantExpression() =>
            VerifyFix<RemovePackedFlagCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        // A receive buffer.
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED); // small
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", @"
class Driver
{
    void Receive(Device dev)
    {
        // A receive buffer.
        KernelPtr buf = kmalloc(24, GFP_KERNEL); // small
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}").Expect(D()).RunAsync();

        [Fact]
        public Task RemoveFlag_FromTheMiddleOfAnOrChain() =>
            VerifyFix<RemovePackedFlagCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED | __GFP_ZERO);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_ZERO);
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}").Expect(D()).RunAsync();

        [Fact]
        public Task RemoveFlag_OrAssignStatementThatIntroducedIt() =>
            VerifyFix<RemovePackedFlagCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev, bool small)
    {
        GfpFlags flags = GFP_KERNEL;
        if (small)
        {
            flags |= __GFP_PACKED;
        }
        KernelPtr buf = kmalloc(24, flags);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", @"
class Driver
{
    void Receive(Device dev, bool small)
    {
        GfpFlags flags = GFP_KERNEL;
        if (small)
        {
        }
        KernelPtr buf = kmalloc(24, flags);
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}").Expect(D()).RunAsync();

        [Fact]
        public Task RemoveFlag_UnbracedIfThatOnlyAddedTheFlagGoesToo() =>
            VerifyFix<RemovePackedFlagCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev, bool small)
    {
        GfpFlags flags = GFP_KERNEL;
        if (small)
            flags |= __GFP_PACKED;
        KernelPtr buf = kmalloc(24, flags);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", @"
class Driver
{
    void Receive(Device dev, bool small)
    {
        GfpFlags flags = GFP_KERNEL;
        KernelPtr buf = kmalloc(24, flags);
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}").Expect(D()).RunAsync();

        [Fact]
        public Task RemoveFlag_InAnotherFileAndMethod() =>
            VerifyFix<RemovePackedFlagCodeFix>.Create(new[] { @"
static class Pool
{
    public static KernelPtr Small() => kmalloc(24, GFP_ATOMIC | __GFP_PACKED);
}", @"
class Driver
{
    void Receive(Device dev) => dma_map_single(dev, {|#0:Pool.Small()|}, 24, DMA_FROM_DEVICE);
}" }, new[] { @"
static class Pool
{
    public static KernelPtr Small() => kmalloc(24, GFP_ATOMIC);
}", @"
class Driver
{
    void Receive(Device dev) => dma_map_single(dev, Pool.Small(), 24, DMA_FROM_DEVICE);
}" }).Expect(D()).RunAsync();

        [Fact]
        public Task RemoveFlag_NotOfferedWhenTheFlagAlsoPacksAnotherAllocation() =>
            VerifyFix<RemovePackedFlagCodeFix>.Create(@"
class Driver
{
    static readonly GfpFlags Small = GFP_KERNEL | __GFP_PACKED;

    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, Small);
        KernelPtr bookkeeping = kmalloc(16, Small);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", "").Expect(D()).NotOffered().RunAsync();

        [Fact]
        public Task RemoveFlag_NotOfferedForAKmemCacheAllocation() =>
            VerifyFix<RemovePackedFlagCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        var cache = kmem_cache_create(""rx"", 24, 8, 0);
        dma_map_single(dev, {|#0:kmem_cache_alloc(cache, GFP_KERNEL)|}, 24, DMA_FROM_DEVICE);
    }
}", "").Expect(D()).NotOffered().RunAsync();

        [Fact]
        public Task RemoveFlag_FixAllWithSinksSharingOneAllocation() =>
            new VerifyFix<RemovePackedFlagCodeFix>.Test
            {
                TestState = { Sources = { Verify.Usings + @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
        dma_map_single(dev, {|#1:buf + 8|}, 8, DMA_BIDIRECTIONAL);
    }

    void Other(Device dev)
    {
        KernelPtr p = kzalloc(8, __GFP_PACKED);
        dma_map_single(dev, {|#2:p|}, 8, DMA_FROM_DEVICE);
    }
}" } },
                FixedState = { Sources = { Verify.Usings + @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL);
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
        dma_map_single(dev, buf + 8, 8, DMA_BIDIRECTIONAL);
    }

    void Other(Device dev)
    {
        KernelPtr p = kzalloc(8, 0);
        dma_map_single(dev, p, 8, DMA_FROM_DEVICE);
    }
}" } },
            }.Expect(D(0), D(1), D(2)).RunAsync();

        // ---- Fix 2: map through the swiotlb ----

        [Fact]
        public Task Swiotlb_ReplacesTheMapping() =>
            VerifyFix<MapThroughSwiotlbCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        DmaAddr addr = dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE); // rx
        dma_unmap_single(dev, addr, 24, DMA_FROM_DEVICE);
    }
}", @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        DmaAddr addr = swiotlb_map(dev, virt_to_phys(buf), 24, DMA_FROM_DEVICE, 0); // rx
        dma_unmap_single(dev, addr, 24, DMA_FROM_DEVICE);
    }
}").Expect(D()).RunAsync();

        [Fact]
        public Task Swiotlb_KeepsAttrsAndQualification() =>
            VerifyFix<MapThroughSwiotlbCodeFix>.Create(@"
class Driver
{
    DmaAddr Receive(Device dev)
    {
        KernelPtr buf = Kernel.kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        return Kernel.dma_map_single_attrs(dev, {|#0:buf|}, 24, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
    }
}", @"
class Driver
{
    DmaAddr Receive(Device dev)
    {
        KernelPtr buf = Kernel.kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        return Kernel.swiotlb_map(dev, Kernel.virt_to_phys(buf), 24, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC);
    }
}").Expect(D()).RunAsync();

        [Fact]
        public Task Swiotlb_NotOfferedForScatterlists() =>
            VerifyFix<MapThroughSwiotlbCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        var sg = new ScatterList();
        sg_init_one(sg, kmalloc(4, GFP_KERNEL | __GFP_PACKED), 4);
        var sgl = new[] { sg };
        dma_map_sg(dev, {|#0:sgl|}, 1, DMA_FROM_DEVICE);
    }
}", "").Expect(D()).NotOffered().RunAsync();

        [Fact]
        public Task Swiotlb_FixAllInDocument() =>
            new VerifyFix<MapThroughSwiotlbCodeFix>.Test
            {
                TestState = { Sources = { Verify.Usings + @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr a = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        KernelPtr b = kmalloc(16, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:a|}, 24, DMA_FROM_DEVICE);
        dma_map_single(dev, {|#1:b|}, 16, DMA_FROM_DEVICE);
    }
}" } },
                FixedState = { Sources = { Verify.Usings + @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr a = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        KernelPtr b = kmalloc(16, GFP_KERNEL | __GFP_PACKED);
        swiotlb_map(dev, virt_to_phys(a), 24, DMA_FROM_DEVICE, 0);
        swiotlb_map(dev, virt_to_phys(b), 16, DMA_FROM_DEVICE, 0);
    }
}" } },
            }.Expect(D(0), D(1)).RunAsync();

        // ---- Fix 3: bounce only when needed ----

        [Fact]
        public Task BounceWhenNeeded_KernelShape() =>
            VerifyFix<BounceWhenNeededCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        DmaAddr addr = dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        DmaAddr addr = dma_kmalloc_needs_bounce(dev, 24, DMA_FROM_DEVICE) ? swiotlb_map(dev, virt_to_phys(buf), 24, DMA_FROM_DEVICE, 0) : dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}").Expect(D()).RunAsync();

        [Fact]
        public Task BounceWhenNeeded_KeepsParenthesesWhereNeeded() =>
            VerifyFix<BounceWhenNeededCodeFix>.Create(@"
class Driver
{
    bool Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        return dma_mapping_error(dev, dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE));
    }
}", @"
class Driver
{
    bool Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        return dma_mapping_error(dev, dma_kmalloc_needs_bounce(dev, 24, DMA_FROM_DEVICE) ? swiotlb_map(dev, virt_to_phys(buf), 24, DMA_FROM_DEVICE, 0) : dma_map_single(dev, buf, 24, DMA_FROM_DEVICE));
    }
}").Expect(D()).RunAsync();

        /// <summary>
        /// A mapping whose result is not used is a statement, where a conditional expression cannot stand: it becomes
        /// an if/else (found by <see cref="ProgramFuzzTests"/>: the fix used to leave CS0201).
        /// </summary>
        [Fact]
        public Task BounceWhenNeeded_MappingAsAStatement_BecomesIfElse() =>
            VerifyFix<BounceWhenNeededCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        // map it
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE); // no handle kept
    }
}", @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        // map it
        if (dma_kmalloc_needs_bounce(dev, 24, DMA_FROM_DEVICE))
            swiotlb_map(dev, virt_to_phys(buf), 24, DMA_FROM_DEVICE, 0);
        else
            dma_map_single(dev, buf, 24, DMA_FROM_DEVICE); // no handle kept
    }
}").Expect(D()).RunAsync();

        [Fact]
        public Task BounceWhenNeeded_NotOfferedWhenArgumentsHaveSideEffects() =>
            VerifyFix<BounceWhenNeededCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        dma_map_single(dev, {|#0:kmalloc(24, GFP_KERNEL | __GFP_PACKED)|}, 24, DMA_FROM_DEVICE);
    }
}", "").Expect(D()).NotOffered().RunAsync();

        // ---- PA0003: check the mapping ----

        [Fact]
        public Task MappingCheck_VoidMethod_Returns() =>
            VerifyFix<CheckMappingCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}", @"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr))
        {
            return;
        }

        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}").WithMappingChecks().Expect(Verify.Unchecked()).RunAsync();

        [Fact]
        public Task MappingCheck_ReturnsWhatTheOtherFailurePathsReturn() =>
            VerifyFix<CheckMappingCodeFix>.Create(@"
class Driver
{
    private DmaAddr _rx;

    int Open(Device dev, KernelPtr buf)
    {
        if (buf.IsNull) return -22;
        _rx = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        return 0;
    }
}", @"
class Driver
{
    private DmaAddr _rx;

    int Open(Device dev, KernelPtr buf)
    {
        if (buf.IsNull) return -22;
        _rx = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, _rx))
        {
            return -22;
        }

        return 0;
    }
}").WithMappingChecks().Expect(Verify.Unchecked()).RunAsync();

        [Theory]
        [InlineData("bool", "true", "false")]
        [InlineData("DmaAddr", "addr", "DMA_MAPPING_ERROR")]
        [InlineData("string?", "\"ok\"", "null")]
        public Task MappingCheck_ReturnsTheFailureValueOfTheReturnType(string type, string success, string failure) =>
            VerifyFix<CheckMappingCodeFix>.Create(@"
class Driver
{
    " + type + @" Receive(Device dev, KernelPtr buf)
    {
        var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
        dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE);
        return " + success + @";
    }
}", @"
class Driver
{
    " + type + @" Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr))
        {
            return " + failure + @";
        }

        dma_sync_single_for_cpu(dev, addr, 64, DMA_FROM_DEVICE);
        return " + success + @";
    }
}").WithMappingChecks().Expect(Verify.Unchecked()).RunAsync();

        [Fact]
        public Task MappingCheck_OnAHelperCall_ChecksWhatItReturned() =>
            VerifyFix<CheckMappingCodeFix>.Create(@"
class Driver
{
    static DmaAddr MapRx(Device dev, KernelPtr buf) => dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);

    void Receive(Device dev, KernelPtr buf)
    {
        DmaAddr addr = {|#0:MapRx(dev, buf)|};
        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}", @"
class Driver
{
    static DmaAddr MapRx(Device dev, KernelPtr buf) => dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);

    void Receive(Device dev, KernelPtr buf)
    {
        DmaAddr addr = MapRx(dev, buf);
        if (dma_mapping_error(dev, addr))
        {
            return;
        }

        dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
    }
}").WithMappingChecks().Expect(Verify.Unchecked()).RunAsync();

        [Fact]
        public Task MappingCheck_InAFinallyClause_IsNotOffered() =>
            VerifyFix<CheckMappingCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        try { }
        finally
        {
            var addr = {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|};
            dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
        }
    }
}", "").WithMappingChecks().Expect(Verify.Unchecked()).NotOffered().RunAsync();

        [Fact]
        public Task MappingCheck_ResultPassedStraightOn_IsNotOffered() =>
            VerifyFix<CheckMappingCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf)
    {
        dma_unmap_single(dev, {|#0:dma_map_single(dev, buf, 64, DMA_FROM_DEVICE)|}, 64, DMA_FROM_DEVICE);
    }
}", "").WithMappingChecks().Expect(Verify.Unchecked()).NotOffered().RunAsync();

        // ---- PA0007: unmap or sync with the mapping's size and direction ----

        [Theory]
        [InlineData("dma_unmap_single(dev, addr, 128, DMA_TO_DEVICE)", "dma_unmap_single(dev, addr, Len, DMA_FROM_DEVICE)", 2)]
        [InlineData("dma_unmap_single(dev, addr, 64, DMA_TO_DEVICE)", "dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE)", 1)]
        [InlineData("dma_sync_single_for_cpu(dev, addr, 256, DMA_FROM_DEVICE)", "dma_sync_single_for_cpu(dev, addr, Len, DMA_FROM_DEVICE)", 1)]
        public Task Lifetime_MismatchTakesTheMappingsArguments(string wrong, string right, int diagnostics) =>
            VerifyFix<MatchMappingCodeFix>.Create(@"
class Driver
{
    const int Len = 64;

    void Receive(Device dev, KernelPtr buf)
    {
        var addr = {|#1:dma_map_single(dev, buf, Len, DMA_FROM_DEVICE)|};
        if (dma_mapping_error(dev, addr)) return;
        {|#0:" + wrong + @"|};
        " + UnmapAfterSync(wrong) + @"
    }
}", @"
class Driver
{
    const int Len = 64;

    void Receive(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, Len, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        " + right + @";
        " + UnmapAfterSync(wrong) + @"
    }
}").WithLifetimeChecks().Expect(System.Linq.Enumerable.Repeat(Verify.Lifetime().WithLocation(1), diagnostics).ToArray()).RunAsync();

        // ---- PA0004: use GFP_ATOMIC ----

        [Theory]
        [InlineData("kmalloc(64, GFP_KERNEL)", "kmalloc(64, GFP_ATOMIC)")]
        [InlineData("kzalloc(64, GFP_NOIO | __GFP_ZERO)", "kzalloc(64, GFP_ATOMIC | __GFP_ZERO)")]
        [InlineData("kmalloc(64, flags: GFP_NOFS)", "kmalloc(64, flags: GFP_ATOMIC)")]
        public Task Atomic_SleepingBaseFlagsBecomeGfpAtomic(string allocation, string fixedAllocation) =>
            VerifyFix<UseGfpAtomicCodeFix>.Create(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    KernelPtr Refill()
    {
        spin_lock(_lock);
        KernelPtr p = {|#0:" + allocation + @"|};
        spin_unlock(_lock);
        return p;
    }
}", @"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    KernelPtr Refill()
    {
        spin_lock(_lock);
        KernelPtr p = " + fixedAllocation + @";
        spin_unlock(_lock);
        return p;
    }
}").WithAtomicChecks().Expect(Verify.Sleep()).RunAsync();

        [Fact]
        public Task Atomic_FlagsFromAParameter_IsNotOffered() =>
            VerifyFix<UseGfpAtomicCodeFix>.Create(@"
class Driver
{
    private readonly Spinlock _lock = new Spinlock();

    KernelPtr Grow(GfpFlags gfp) => {|#0:kmalloc(64, gfp)|};

    void Refill()
    {
        spin_lock(_lock);
        Grow(GFP_KERNEL);
        spin_unlock(_lock);
    }
}", "").WithAtomicChecks().Expect(Verify.Sleep()).NotOffered().RunAsync();

        // ---- PA0006: sync for the CPU first ----

        [Fact]
        public Task Ownership_SyncForTheCpuIsInsertedBeforeTheAccess() =>
            VerifyFix<SyncForCpuCodeFix>.Create(@"
class Driver
{
    const int Len = 64;

    byte Peek(Device dev, KernelPtr buf)
    {
        var addr = {|#1:dma_map_single(dev, buf, Len, DMA_FROM_DEVICE)|};
        if (dma_mapping_error(dev, addr)) return 0;
        byte first = {|#0:buf.ToArray(1)|}[0];
        dma_unmap_single(dev, addr, Len, DMA_FROM_DEVICE);
        return first;
    }
}", @"
class Driver
{
    const int Len = 64;

    byte Peek(Device dev, KernelPtr buf)
    {
        var addr = dma_map_single(dev, buf, Len, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return 0;
        dma_sync_single_for_cpu(dev, addr, Len, DMA_FROM_DEVICE);
        byte first = buf.ToArray(1)[0];
        dma_unmap_single(dev, addr, Len, DMA_FROM_DEVICE);
        return first;
    }
}").WithOwnershipChecks().Expect(Verify.Touch().WithLocation(1)).RunAsync();

        [Fact]
        public Task Ownership_MappingNotKept_IsNotOffered() =>
            VerifyFix<SyncForCpuCodeFix>.Create(@"
class Driver
{
    void Poke(Device dev, KernelPtr buf)
    {
        Use(dev, dma_map_single(dev, buf, 64, DMA_FROM_DEVICE));
        {|#0:memset(buf, 0, 64)|};
    }

    void Use(Device dev, DmaAddr addr) => dma_unmap_single(dev, addr, 64, DMA_FROM_DEVICE);
}", "").WithOwnershipChecks().Expect(Verify.Touch()).NotOffered().RunAsync();

        [Fact]
        public Task Ownership_AFree_IsNotOffered() =>
            VerifyFix<SyncForCpuCodeFix>.Create(@"
class Driver
{
    private DmaAddr _rx;

    void Drop(Device dev, KernelPtr buf)
    {
        _rx = dma_map_single(dev, buf, 64, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, _rx)) return;
        {|#0:kfree(buf)|};
    }
}", "").WithOwnershipChecks().Expect(Verify.Touch()).NotOffered().RunAsync();

        private static string UnmapAfterSync(string call) =>
            call.StartsWith("dma_sync", System.StringComparison.Ordinal) ? "dma_unmap_single(dev, addr, Len, DMA_FROM_DEVICE);" : "";

        [Fact]
        public Task Lifetime_MappingSizeNotAConstant_IsNotOffered() =>
            VerifyFix<MatchMappingCodeFix>.Create(@"
class Driver
{
    void Receive(Device dev, KernelPtr buf, int n)
    {
        var addr = dma_map_single(dev, buf, n, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_unmap_single(dev, addr, n, DMA_FROM_DEVICE);
    }
}", @"
class Driver
{
    void Receive(Device dev, KernelPtr buf, int n)
    {
        var addr = dma_map_single(dev, buf, n, DMA_FROM_DEVICE);
        if (dma_mapping_error(dev, addr)) return;
        dma_unmap_single(dev, addr, n, DMA_FROM_DEVICE);
    }
}").WithLifetimeChecks().RunAsync();

        [Fact]
        public void DotnetFormatTriesMapThroughSwiotlbFirst()
        {
            // `dotnet format analyzers` takes code fix providers in the order their types stand in the assembly;
            // the first one that fixes the first diagnostic is applied to the whole solution (see the csproj).
            var providers = typeof(MapThroughSwiotlbCodeFix).Assembly.GetTypes()
                .Where(t => !t.IsAbstract && typeof(Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider).IsAssignableFrom(t))
                .Select(t => t.Name)
                .ToList();
            Assert.Equal(new[] { nameof(MapThroughSwiotlbCodeFix), nameof(BounceWhenNeededCodeFix), nameof(RemovePackedFlagCodeFix), nameof(CheckMappingCodeFix), nameof(MatchMappingCodeFix), nameof(UseGfpAtomicCodeFix), nameof(SyncForCpuCodeFix) }, providers);
        }
    }
}
