using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>The diagnostic's place and its additional locations: allocation, the __GFP_PACKED written, then the route.</summary>
    public class LocationsTests
    {
        [Fact]
        public Task AdditionalLocations_AreAllocationFlagAndRoute() =>
            Verify.Create(@"
class Driver
{
    static KernelPtr Alloc() => {|#1:kmalloc(24, GFP_KERNEL | {|#2:__GFP_PACKED|})|};

    static void Map(Device dev, KernelPtr p) => dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);

    static void Receive(Device dev)
    {
        KernelPtr buf = {|#3:Alloc()|};
        Map(dev, {|#4:buf|});
    }
}").Expect(new DiagnosticResult(Descriptors.PackedBufferReachesDma)
                .WithLocation(0).WithLocation(1).WithLocation(2).WithLocation(3).WithLocation(4)
                .WithArguments("kmalloc", "Test0.cs:8", "dma_map_single")).RunAsync();

        [Fact]
        public Task FieldStoreIsAStepOfTheRoute() =>
            Verify.Create(@"
class Driver
{
    KernelPtr _buf;
    void Open() { {|#3:_buf = {|#1:kzalloc(16, {|#2:__GFP_PACKED|})|}|}; }
    void Start(Device dev) => dma_map_single(dev, {|#0:_buf|}, 16, DMA_BIDIRECTIONAL);
}").Expect(new DiagnosticResult(Descriptors.PackedBufferReachesDma)
                .WithLocation(0).WithLocation(1).WithLocation(2).WithLocation(3)
                .WithArguments("kzalloc", "Test0.cs:9", "dma_map_single")).RunAsync();
    }
}
