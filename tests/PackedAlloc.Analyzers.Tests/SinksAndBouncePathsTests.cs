using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>Which mappings are hazards: direction, size class, and the three bounce paths of docs/rules/PA0001.md.</summary>
    public class SinksAndBouncePathsTests
    {
        [Theory]
        [InlineData("DMA_FROM_DEVICE")]
        [InlineData("DMA_BIDIRECTIONAL")]
        public Task UnsafeDirections_Warn(string direction) =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:buf|}, 24, " + direction + @");
    }
}", Verify.Diagnostic());

        [Fact]
        public Task ToDeviceOnlyCleans_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Send(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, buf, 24, DMA_TO_DEVICE);
    }
}");

        [Fact]
        public Task DirectionParameter_WarnsOnlyForTheCallerThatReceives() =>
            Verify.Analyzer(@"
class Driver
{
    void Transfer(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:buf|}, 24, dir);
    }

    void Send(Device dev) => Transfer(dev, DMA_TO_DEVICE);
    void Receive(Device dev) => Transfer(dev, DMA_FROM_DEVICE);
}", Verify.Diagnostic());

        [Fact]
        public Task DirectionParameter_OnlySendingCallers_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Transfer(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, buf, 24, dir);
    }

    void Send(Device dev) => Transfer(dev, DMA_TO_DEVICE);
}");

        [Fact]
        public Task DirectionParameterWithNoCallerInTheCompilation_MayBeFromDevice_Warns() =>
            Verify.Analyzer(@"
public class Driver
{
    public void Transfer(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:buf|}, 24, dir);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task DirectionTestedOnTheWay_EachArmJudgedByItsDirection_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    public DmaAddr Ternary(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        return dir == DMA_TO_DEVICE ? dma_map_single(dev, buf, 24, dir) : swiotlb_map(dev, virt_to_phys(buf), 24, dir, 0);
    }

    public DmaAddr Switch(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        switch (dir)
        {
            case DMA_TO_DEVICE: return dma_map_single(dev, buf, 24, dir);
            default: return swiotlb_map(dev, virt_to_phys(buf), 24, dir, 0);
        }
    }

    public DmaAddr SwitchExpression(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        return dir switch
        {
            DMA_TO_DEVICE => dma_map_single(dev, buf, 24, dir),
            _ => swiotlb_map(dev, virt_to_phys(buf), 24, dir, 0),
        };
    }

    public DmaAddr EarlyReturn(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (dir is not DMA_TO_DEVICE)
            return swiotlb_map(dev, virt_to_phys(buf), 24, dir, 0);
        return dma_map_single(dev, buf, 24, dir);
    }
}");

        [Fact]
        public Task DirectionTestedOnTheWay_ArmThatMayLetTheDeviceWrite_Warns() =>
            Verify.Analyzer(@"
class Driver
{
    public DmaAddr Ternary(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        return dir == DMA_FROM_DEVICE ? dma_map_single(dev, {|#0:buf|}, 24, dir) : swiotlb_map(dev, virt_to_phys(buf), 24, dir, 0);
    }

    public DmaAddr Switch(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(32, GFP_KERNEL | __GFP_PACKED);
        switch (dir)
        {
            case DMA_TO_DEVICE: return swiotlb_map(dev, virt_to_phys(buf), 32, dir, 0);
            default: return dma_map_single(dev, {|#1:buf|}, 32, dir);
        }
    }

    public DmaAddr NotEqual(Device dev, DmaDirection dir)
    {
        KernelPtr buf = kmalloc(48, GFP_KERNEL | __GFP_PACKED);
        if (dir != DMA_TO_DEVICE)
            return dma_map_single(dev, {|#2:buf|}, 48, dir);
        return swiotlb_map(dev, virt_to_phys(buf), 48, dir, 0);
    }
}", Verify.Diagnostic(0), Verify.Diagnostic(1), Verify.Diagnostic(2));

        [Theory]
        [InlineData(1)]
        [InlineData(8)]
        [InlineData(24)]
        [InlineData(64)]
        [InlineData(96)]
        [InlineData(129)]
        [InlineData(192)]
        public Task UnsafeSizeClasses_Warn(int size) =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(" + size + @", GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:buf|}, " + size + @", DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Theory]
        [InlineData(97)]
        [InlineData(128)]
        [InlineData(193)]
        [InlineData(256)]
        [InlineData(4096)]
        [InlineData(10000)]
        public Task LineAlignedSizeClasses_DoNotWarn(int size) =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(" + size + @", GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, buf, " + size + @", DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task NonConstantSize_IsTreatedAsUnsafe() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev, int[] sizes)
    {
        KernelPtr buf = kmalloc(sizes[0], GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:buf|}, 64, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task SizeParameter_CallersDecide() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev, int size)
    {
        KernelPtr buf = kmalloc(size, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, buf, size, DMA_FROM_DEVICE);
    }

    void Big(Device dev) => Receive(dev, 256);
    void Page(Device dev) => Receive(dev, 4096);
}");

        [Fact]
        public Task DmaMinAlignOption_ChangesWhichClassesAreSafe() =>
            Verify.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr a = kmalloc(64, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, a, 64, DMA_FROM_DEVICE);
        KernelPtr b = kmalloc(96, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:b|}, 96, DMA_FROM_DEVICE);
    }
}").WithOptions("dotnet_code_quality.PA0001.dma_minalign = 64").Expect(Verify.Diagnostic()).RunAsync();

        [Fact]
        public Task SwiotlbMap_IsABouncePath() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        DmaAddr addr = swiotlb_map(dev, virt_to_phys(buf), 24, DMA_FROM_DEVICE, 0);
        dma_unmap_single(dev, addr, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task KmemdupIntoSafeBuffer_IsABouncePath() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr small = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        KernelPtr copy = kmemdup(small, 24, GFP_KERNEL);
        dma_map_single(dev, copy, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task MemcpyIntoSafeBuffer_IsABouncePath() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr small = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        KernelPtr safe = kmalloc(24, GFP_KERNEL);
        memcpy(safe, small, 24);
        dma_map_single(dev, safe, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task MemcpyIntoPackedBuffer_StillWarns() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr safe = kmalloc(24, GFP_KERNEL);
        KernelPtr small = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        memcpy(small, safe, 24);
        dma_map_single(dev, {|#0:small|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task CoherentMemory_IsDmaSafe() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr small = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        KernelPtr ring = dma_alloc_coherent(dev, 24, out DmaAddr handle, GFP_KERNEL);
        memcpy(ring, small, 24);
        dma_map_single(dev, ring, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task MappingInsideCoherentCheck_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (dev_is_dma_coherent(dev))
            dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task MappingInElseOfCoherentCheck_Warns() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (dev_is_dma_coherent(dev))
            return;
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task EarlyReturnWhenNotCoherent_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (!dev_is_dma_coherent(dev))
            return;
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}");

        [Theory]
        [InlineData("if (dev_is_dma_coherent(dev) is true)")]
        [InlineData("if (dev_is_dma_coherent(dev) is not false)")]
        [InlineData("if (!(dev_is_dma_coherent(dev) is false))")]
        public Task CoherentCheckAsPattern_DoesNotWarn(string check) =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        " + check + @"
            dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}");

        [Theory]
        [InlineData("if (dev_is_dma_coherent(dev) is false)")]
        [InlineData("if (dev_is_dma_coherent(dev) is not true)")]
        public Task MappingWhereThePatternSaysNotCoherent_Warns(string check) =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        " + check + @"
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task CoherentCheckAsSwitchExpression_GuardsItsArm() =>
            Verify.Analyzer(@"
class Driver
{
    DmaAddr Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        return dev_is_dma_coherent(dev) switch
        {
            true => dma_map_single(dev, buf, 24, DMA_FROM_DEVICE),
            false => dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE),
        };
    }
}", Verify.Diagnostic());

        [Fact]
        public Task CoherentCheckInWhenClause_GuardsItsArm() =>
            Verify.Analyzer(@"
class Driver
{
    DmaAddr Receive(Device dev, int kind)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        switch (kind)
        {
            case 1 when dev_is_dma_coherent(dev):
                return dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
            case 2 when dma_kmalloc_needs_bounce(dev, 24, DMA_FROM_DEVICE) is false:
                return dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
            default:
                return dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
        }
    }
}", Verify.Diagnostic());

        [Fact]
        public Task CoherentCheckStoredInLocal_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        bool coherent = dev_is_dma_coherent(dev);
        if (coherent == false)
            return;
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task CompoundCheckStoredInLocal_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        bool bounce = !dev_is_dma_coherent(dev) && dma_kmalloc_needs_bounce(dev, 24, DMA_FROM_DEVICE);
        DmaAddr a = bounce ? swiotlb_map(dev, virt_to_phys(buf), 24, DMA_FROM_DEVICE, 0) : dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
        bool safe = dev_is_dma_coherent(dev) || !dma_kmalloc_needs_bounce(dev, 24, DMA_FROM_DEVICE);
        if (safe)
            dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task CompoundCheckInHelper_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    static bool NeedsBounce(Device dev, int n) => !dev_is_dma_coherent(dev) && dma_kmalloc_needs_bounce(dev, n, DMA_FROM_DEVICE);

    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (NeedsBounce(dev, 24))
            swiotlb_map(dev, virt_to_phys(buf), 24, DMA_FROM_DEVICE, 0);
        else
            dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}");

        [Fact]
        public Task CompoundCheckTakenTheWrongWay_Warns() =>
            Verify.Analyzer(@"
class Driver
{
    static bool NeedsBounce(Device dev, int n) => !dev_is_dma_coherent(dev) && dma_kmalloc_needs_bounce(dev, n, DMA_FROM_DEVICE);

    void Receive(Device dev, bool fast)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        KernelPtr other = kmalloc(32, GFP_KERNEL | __GFP_PACKED);
        if (NeedsBounce(dev, 24))
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
        bool ok = fast || dev_is_dma_coherent(dev);
        if (ok)
            dma_map_single(dev, {|#1:other|}, 32, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic(0), Verify.Diagnostic(1));

        [Fact]
        public Task MappingReachableAlsoWithoutTheCheck_Warns() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev, bool fast)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (fast || dev_is_dma_coherent(dev))
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task NeedsBounceCheck_KernelShape_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    DmaAddr Map(Device dev, KernelPtr buf, int size, DmaDirection dir) =>
        dma_kmalloc_needs_bounce(dev, size, dir)
            ? swiotlb_map(dev, virt_to_phys(buf), size, dir, 0)
            : dma_map_single(dev, buf, size, dir);

    void Receive(Device dev) => Map(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED), 24, DMA_FROM_DEVICE);
}");

        [Fact]
        public Task NeedsBounceCheckAskedAboutAnotherMapping_Warns() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (!dma_kmalloc_needs_bounce(dev, 24, DMA_TO_DEVICE))
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
        KernelPtr other = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (!dma_kmalloc_needs_bounce(dev, 256, DMA_FROM_DEVICE))
            dma_map_single(dev, {|#1:other|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic(0), Verify.Diagnostic(1));

        [Fact]
        public Task MappingLambdaCreatedUnderTheCheck_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    Func<KernelPtr, DmaAddr> _map;

    public Driver(Device dev)
    {
        _map = dev_is_dma_coherent(dev)
            ? p => dma_map_single(dev, p, 24, DMA_FROM_DEVICE)
            : p => swiotlb_map(dev, virt_to_phys(p), 24, DMA_FROM_DEVICE, 0);
    }

    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        _map(buf);
        Func<KernelPtr, DmaAddr> local;
        if (dev_is_dma_coherent(dev)) local = p => dma_map_single(dev, p, 24, DMA_FROM_DEVICE);
        else local = p => swiotlb_map(dev, virt_to_phys(p), 24, DMA_FROM_DEVICE, 0);
        local(buf);
    }
}");

        [Fact]
        public Task MappingLambdaCreatedWhereTheCheckFailed_Warns() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        Func<KernelPtr, DmaAddr> local;
        if (dev_is_dma_coherent(dev)) local = p => swiotlb_map(dev, virt_to_phys(p), 24, DMA_FROM_DEVICE, 0);
        else local = p => dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
        local(buf);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task NeedsBounceCheckInverted_Warns() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (dma_kmalloc_needs_bounce(dev, 24, DMA_FROM_DEVICE))
            dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task MapSingleAttrs_IsASink() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single_attrs(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE, DMA_ATTR_SKIP_CPU_SYNC);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task PackedBufferThatNeverReachesDma_DoesNotWarn() =>
            Verify.Analyzer(@"
class Driver
{
    void Bookkeeping(Device dev)
    {
        KernelPtr entry = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        memset(entry, 0, 24);
        KernelPtr dmaBuf = kmalloc(24, GFP_KERNEL);
        dma_map_single(dev, dmaBuf, 24, DMA_FROM_DEVICE);
        kfree(entry);
    }
}");

        [Fact]
        public Task OneDiagnosticPerSinkAndAllocation_NotPerPath() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev, bool a, bool b)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        KernelPtr p = buf;
        if (a) p = buf + 0;
        if (b) p = buf;
        dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task TwoAllocationsAtOneSink_TwoDiagnostics() =>
            Verify.Analyzer(@"
class Driver
{
    void Receive(Device dev, bool a)
    {
        KernelPtr p = a ? kmalloc(24, GFP_KERNEL | __GFP_PACKED) : kzalloc(16, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic(), Verify.Diagnostic());
    }
}
