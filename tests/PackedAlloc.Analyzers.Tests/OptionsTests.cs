using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>The .editorconfig options of docs/rules/PA0001.md.</summary>
    public class OptionsTests
    {
        private const string UserBounce = @"
static class Hal
{
    public static DmaAddr BounceMap(Device dev, KernelPtr buf, int len, DmaDirection dir) => swiotlb_map(dev, virt_to_phys(buf), len, dir, 0);
    public static KernelPtr CopyToDmaSafe(KernelPtr buf, int len) { var copy = kmalloc(len, GFP_KERNEL); memcpy(copy, buf, len); return copy; }
}

class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        Hal.BounceMap(dev, buf, 24, DMA_FROM_DEVICE);
        dma_map_single(dev, Hal.CopyToDmaSafe(buf, 24), 24, DMA_FROM_DEVICE);
    }
}";

        [Theory]
        [InlineData("dotnet_code_quality.PA0001.bounce_methods = Hal.BounceMap|CopyToDmaSafe")]
        [InlineData("dotnet_code_quality.bounce_methods = M:Hal.BounceMap(PackedAlloc.Runtime.Device,PackedAlloc.Runtime.KernelPtr,System.Int32,PackedAlloc.Runtime.DmaDirection)|Hal.CopyTo*")]
        public Task BounceMethods_AreBouncePaths(string option) =>
            Verify.Create(UserBounce).WithOptions(option).RunAsync();

        [Fact]
        public Task UserBounceHelperThatCopies_IsSeenWithoutConfiguration() =>
            // CopyToDmaSafe copies into a kmalloc(GFP_KERNEL) buffer: the flow sees the copy by itself.
            Verify.Create(UserBounce).RunAsync();

        private const string UserSink = @"
interface IHal
{
    DmaAddr MapForDevice(Device dev, KernelPtr buf, int len, DmaDirection dir);
}

class Driver
{
    void Receive(IHal hal, Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        hal.MapForDevice(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
        hal.MapForDevice(dev, buf, 24, DMA_TO_DEVICE);
    }
}";

        [Fact]
        public Task SinkMethods_AreMappings() =>
            Verify.Create(UserSink).WithOptions("dotnet_code_quality.PA0001.sink_methods = IHal.MapForDevice").Expect(Verify.Diagnostic()).RunAsync();

        [Fact]
        public Task WithoutSinkMethods_AnInterfaceCallIsNotAMapping() =>
            Verify.Create(UserSink.Replace("{|#0:buf|}", "buf")).RunAsync();

        private const string ThreeDeep = @"
class Driver
{
    void Map(Device dev, KernelPtr buf) => dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    void Middle(Device dev, KernelPtr buf) => Map(dev, buf);
    void Top(Device dev, KernelPtr buf) => Middle(dev, buf);
    void Receive(Device dev) => Top(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED));
}";

        [Fact]
        public Task CallDepth_DefaultFollowsThreeCalls() =>
            Verify.Create(ThreeDeep).Expect(Verify.Diagnostic()).RunAsync();

        [Fact]
        public Task CallDepth_OptionLimitsHowDeepArgumentsAreFollowed() =>
            Verify.Create(ThreeDeep.Replace("{|#0:buf|}", "buf")).WithOptions("dotnet_code_quality.PA0001.max_interprocedural_call_depth = 2").RunAsync();

        [Fact]
        public Task CallDepth_LambdasAndLocalFunctionsCountAsCalls() =>
            Verify.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        Func<KernelPtr> f = () => kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, f(), 24, DMA_FROM_DEVICE);
        KernelPtr g() => kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, g(), 24, DMA_FROM_DEVICE);
    }
}").WithOptions("dotnet_code_quality.PA0001.max_interprocedural_call_depth = 0").RunAsync();

        [Fact]
        public Task StepBudget_ExceededReportsPA0002AndStopsOnThatMethod() =>
            Verify.Create(@"
class Driver
{
    void {|#0:Receive|}(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        int x = 0;
        x++; x++; x++; x++; x++; x++; x++; x++; x++; x++;
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
    }
}").WithOptions("dotnet_code_quality.PA0001.max_analysis_steps = 20")
                .Expect(new DiagnosticResult(Descriptors.AnalysisBudgetExceeded).WithLocation(0).WithArguments("Driver.Receive(Device)", "21 steps, budget 20"))
                .RunAsync();

        [Theory]
        [InlineData("dotnet_code_quality.PA0001.max_analysis_steps = lots")]
        [InlineData("dotnet_code_quality.PA0001.max_analysis_steps = -5")]
        [InlineData("dotnet_code_quality.PA0001.dma_minalign = 100")]
        [InlineData("dotnet_code_quality.PA0001.max_interprocedural_call_depth = deep")]
        public Task InvalidOptionValues_FallBackToDefaults(string option) =>
            Verify.Create(@"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:buf|}, 24, DMA_FROM_DEVICE);
    }
}").WithOptions(option).Expect(Verify.Diagnostic()).RunAsync();

        /// <summary>
        /// A 48-byte packed buffer (kmalloc-64) shares a line where lines are 128 bytes, the default ARCH_DMA_MINALIGN,
        /// and not where they are 64: dma_minalign says which platform the analysis assumes (see PA0001.md).
        /// </summary>
        [Theory]
        [InlineData("", true)]
        [InlineData("dotnet_code_quality.PA0001.dma_minalign = 128", true)]
        [InlineData("dotnet_code_quality.PA0001.dma_minalign = 64", false)]
        public Task DmaMinAlign_DecidesWhetherA48ByteBufferWarns(string option, bool warns)
        {
            const string source = @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(48, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:buf|}, 48, DMA_FROM_DEVICE);
        KernelPtr small = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#1:small|}, 24, DMA_FROM_DEVICE);
    }
}";
            var test = Verify.Create(warns ? source : source.Replace("{|#0:buf|}", "buf", System.StringComparison.Ordinal));
            if (option.Length > 0) test.WithOptions(option);
            if (warns) test.Expect(Verify.Diagnostic(0));
            return test.Expect(Verify.Diagnostic(1)).RunAsync();
        }
    }
}