using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>Which allocations are packed: constant flags, flags that flow in, kmalloc's family, kmem_cache.</summary>
    public class SourcesTests
    {
        private static string Map(string allocation, string direction = "DMA_FROM_DEVICE") => @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = " + allocation + @";
        dma_map_single(dev, {|#0:buf|}, 24, " + direction + @");
    }
}";

        [Theory]
        [InlineData("kmalloc(24, GFP_KERNEL | __GFP_PACKED)")]
        [InlineData("kzalloc(24, GFP_ATOMIC | __GFP_PACKED)")]
        [InlineData("kcalloc(3, 8, GFP_KERNEL | __GFP_PACKED)")]
        [InlineData("kmalloc_array(4, 16, GFP_KERNEL | __GFP_PACKED)")]
        [InlineData("krealloc(NULL, 40, GFP_KERNEL | __GFP_PACKED)")]
        [InlineData("kmemdup(NULL, 24, GFP_KERNEL | __GFP_PACKED)")]
        public Task PackedAllocationFunctions_Warn(string allocation) =>
            Verify.Analyzer(Map(allocation), Verify.Diagnostic());

        [Theory]
        [InlineData("kmalloc(24, GFP_KERNEL)")]
        [InlineData("kzalloc(24, GFP_ATOMIC | __GFP_ZERO)")]
        [InlineData("kcalloc(3, 8, GFP_KERNEL)")]
        [InlineData("kmemdup(NULL, 24, GFP_DMA)")]
        public Task AllocationsWithoutPackedFlag_DoNotWarn(string allocation) =>
            Verify.Analyzer(Map(allocation).Replace("{|#0:buf|}", "buf"));

        [Fact]
        public Task MessageNamesAllocationAndMapping() =>
            Verify.Analyzer(Map("kmalloc(24, GFP_KERNEL | __GFP_PACKED)"),
                Verify.DiagnosticWithMessage("kmalloc", "Test0.cs:10", "dma_map_single"));

        [Fact]
        public Task FlagsBuiltUpWithOrAssignOnSomePath_Warn() =>
            Verify.Analyzer(@"
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
}", Verify.Diagnostic());

        [Fact]
        public Task FlagsClearedAgain_DoNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        GfpFlags flags = GFP_KERNEL | __GFP_PACKED;
        flags &= ~__GFP_PACKED;
        KernelPtr buf = kmalloc(24, flags);
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task FlagsFromTernary_Warn() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev, bool small)
    {
        KernelPtr buf = kmalloc(24, small ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task FlagsFromStaticField_Warn() =>
            Verify.Analyzer(@"
class Driver
{
    static readonly GfpFlags AllocFlags = GFP_KERNEL | __GFP_PACKED;

    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, AllocFlags);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task FlagsFromInstanceFieldSetInConstructor_Warn() =>
            Verify.Analyzer(@"
class Driver
{
    private readonly GfpFlags _flags;
    private readonly Device _dev;

    public Driver(Device dev, GfpFlags flags) { _dev = dev; _flags = flags; }

    public static Driver Create(Device dev) => new Driver(dev, GFP_KERNEL | __GFP_PACKED);

    void Receive()
    {
        KernelPtr buf = kmalloc(24, _flags);
        dma_map_single(_dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task FlagsParameter_CallersDecide() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev, GfpFlags flags)
    {
        KernelPtr buf = kmalloc(24, flags);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }

    void Packed(Device dev) => Receive(dev, GFP_KERNEL | __GFP_PACKED);
    void Safe(Device dev) => Receive(dev, GFP_KERNEL);
}", Verify.Diagnostic());

        [Fact]
        public Task FlagsParameter_OnlySafeCallers_DoNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev, GfpFlags flags)
    {
        KernelPtr buf = kmalloc(24, flags);
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }

    void Safe(Device dev) => Receive(dev, GFP_KERNEL);
    void AlsoSafe(Device dev) => Receive(dev, GFP_ATOMIC);
}");

        [Fact]
        public Task UntraceableFlags_DoNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev, Func<GfpFlags> policy)
    {
        KernelPtr buf = kmalloc(24, policy());
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task AllocationWrapper_IsASourceForItsCallers() =>
            Verify.Analyzer(@"
class Pool
{
    public static KernelPtr AllocSmall(int size) => kzalloc(size, GFP_KERNEL | __GFP_PACKED);
}

class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = Pool.AllocSmall(24);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task KmemCacheWithSmallAlignment_Warns() =>
            Verify.Analyzer(@"
class Driver
{
    KmemCache _cache = kmem_cache_create(""desc"", 24, 8, 0);

    void Receive(Device dev)
    {
        KernelPtr desc = kmem_cache_alloc(_cache, GFP_KERNEL);
        dma_map_single(dev, {|#0:desc|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Theory]
        [InlineData("kmem_cache_create(\"desc\", 24, 8, SLAB_HWCACHE_ALIGN)")]
        [InlineData("kmem_cache_create(\"desc\", 24, ARCH_DMA_MINALIGN, 0)")]
        [InlineData("kmem_cache_create(\"desc\", 256, 8, 0)")]
        public Task KmemCacheAligned_DoesNotWarn(string create) =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KmemCache cache = " + create + @";
        KernelPtr desc = kmem_cache_alloc(cache, GFP_KERNEL);
        dma_map_single(dev, desc, 24, DMA_FROM_DEVICE);
    }
}");
    }
}
