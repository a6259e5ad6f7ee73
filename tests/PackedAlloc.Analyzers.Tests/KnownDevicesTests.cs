using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// A device created coherent (<c>CreateDevice(name, coherent: true)</c>) needs no bounce: mapping a packed buffer
    /// for it is safe, as <c>dma_kmalloc_needs_bounce</c> would answer (issue 10 family 6). A check on a device
    /// guards the mappings for that device only (family 11).
    /// </summary>
    public class KnownDevicesTests
    {
        [Theory]
        [InlineData("true", false)]
        [InlineData("false", true)]
        public Task DeviceCreatedCoherent_NeedsNoBounce(string coherent, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Run()
    {{
        var dev = Machine.Current.CreateDevice(""eth0"", coherent: {coherent});
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {(warns ? "{|#0:p|}" : "p")}, 24, DMA_FROM_DEVICE);
    }}
}}", Verify.DiagnosticIf(warns));

        [Fact]
        public Task DevicePassedToAHelper_StaysKnownCoherent() => Verify.Analyzer(@"
static class Io
{
    public static void Receive(Device dev, KernelPtr p) => dma_map_single(dev, p, 24, DMA_FROM_DEVICE);
}

class Driver
{
    void Run()
    {
        var dev = Machine.Current.CreateDevice(""eth0"", coherent: true);
        Io.Receive(dev, kmalloc(24, GFP_KERNEL | __GFP_PACKED));
    }
}");

        [Fact]
        public Task EitherOfTwoDevices_OneNotCoherent_Warns() => Verify.Analyzer(@"
class Driver
{
    void Run(bool fast)
    {
        var coherent = Machine.Current.CreateDevice(""dma0"", coherent: true);
        var plain = Machine.Current.CreateDevice(""dma1"", coherent: false);
        var dev = fast ? coherent : plain;
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task CoherenceFromAParameter_IsNotPinnedDown() => Verify.Analyzer(@"
class Driver
{
    void Run(bool coherent)
    {
        var dev = Machine.Current.CreateDevice(""eth0"", coherent);
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task CoherentDeviceKeptInAField_IsNotKnownCoherent() => Verify.Analyzer(@"
class Driver
{
    private readonly Device _dev = Machine.Current.CreateDevice(""eth0"", coherent: true);

    void Run()
    {
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        // A field may hold a device created anywhere (PA0001.md, limits): the mapping is still checked.
        dma_map_single(_dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Fact]
        public Task CoherentOrADeviceFromTheMachinesList_Warns() => Verify.Analyzer(@"
class Driver
{
    void Run(bool fresh)
    {
        var dev = fresh ? Machine.Current.CreateDevice(""eth0"", coherent: true) : Machine.Current.Devices[0];
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
    }
}", Verify.Diagnostic());

        [Theory]
        [InlineData("dev", false)]
        [InlineData("other", true)]
        public Task CoherenceCheck_GuardsOnlyMappingsForItsDevice(string checkedDevice, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Run(Device dev, Device other)
    {{
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (dev_is_dma_coherent({checkedDevice}))
        {{
            dma_map_single(dev, {(warns ? "{|#0:p|}" : "p")}, 24, DMA_FROM_DEVICE);
        }}
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("dev", false)]
        [InlineData("other", true)]
        public Task NeedsBounceCheck_GuardsOnlyMappingsForItsDevice(string checkedDevice, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Run(Device dev, Device other)
    {{
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (dma_kmalloc_needs_bounce({checkedDevice}, 24, DMA_FROM_DEVICE))
        {{
            return;
        }}

        dma_map_single(dev, {(warns ? "{|#0:p|}" : "p")}, 24, DMA_FROM_DEVICE);
    }}
}}", Verify.DiagnosticIf(warns));

        [Fact]
        public Task BothDevicesChecked_GuardsBoth_AndTheCheckReachesAHelper() => Verify.Analyzer(@"
static class Io
{
    public static void Receive(Device dev, KernelPtr p) => dma_map_single(dev, p, 24, DMA_FROM_DEVICE);
}

class Driver
{
    void Run(Device dev, Device other)
    {
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (dev_is_dma_coherent(dev) && dev_is_dma_coherent(other))
        {
            Io.Receive(dev, p);
            Io.Receive(other, p);
        }
    }
}");

        [Fact]
        public Task CheckOnOneDevice_HelperMappingForAnother_Warns() => Verify.Analyzer(@"
static class Io
{
    public static void Receive(Device dev, KernelPtr p) => dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
}

class Driver
{
    void Run(Device dev, Device other)
    {
        var p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        if (dev_is_dma_coherent(other))
        {
            Io.Receive(dev, p);
        }
    }
}", Verify.Diagnostic());
    }
}
