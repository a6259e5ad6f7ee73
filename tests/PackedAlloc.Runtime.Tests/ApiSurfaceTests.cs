using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace PackedAlloc.Runtime.Tests
{
    public class ApiSurfaceTests
    {
        [Fact]
        public void GfpConstantsHaveLinuxValues()
        {
            Assert.Equal(0xCC0u, (uint)GFP_KERNEL);
            Assert.Equal(0x820u, (uint)GFP_ATOMIC);
            Assert.Equal(0x800u, (uint)GFP_NOWAIT);
            Assert.Equal(0xC00u, (uint)GFP_NOIO);
            Assert.Equal(0xC40u, (uint)GFP_NOFS);
            Assert.Equal(0x1u, (uint)GFP_DMA);
            Assert.Equal(0x4u, (uint)GFP_DMA32);
            Assert.Equal(0x100u, (uint)__GFP_ZERO);
            Assert.Equal(0x2000u, (uint)__GFP_NOWARN);
            Assert.Equal(0x10000u, (uint)__GFP_NORETRY);
            Assert.Equal(1u << 27, (uint)__GFP_PACKED);
            const GfpFlags packed = GFP_KERNEL | __GFP_PACKED; // must fold at compile time
            Assert.Equal(0x8000CC0u, (uint)packed);
        }

        [Fact]
        public void DmaConstantsHaveLinuxValues()
        {
            Assert.Equal(0, (int)DMA_BIDIRECTIONAL);
            Assert.Equal(1, (int)DMA_TO_DEVICE);
            Assert.Equal(2, (int)DMA_FROM_DEVICE);
            Assert.Equal(3, (int)DMA_NONE);
            Assert.Equal(1UL << 5, (ulong)DMA_ATTR_SKIP_CPU_SYNC);
            Assert.Equal(1UL << 8, (ulong)DMA_ATTR_NO_WARN);
            Assert.Equal(ulong.MaxValue, DMA_MAPPING_ERROR.Value);
            Assert.Equal(128, ARCH_DMA_MINALIGN);
            Assert.Equal(8, ARCH_KMALLOC_MINALIGN);
            Assert.Equal(0x2000u, SLAB_HWCACHE_ALIGN);
            Assert.True(NULL.IsNull);
            Assert.Equal(16UL, ZERO_SIZE_PTR.Address);
            Assert.Equal(0xFFFFFFFFUL, DMA_BIT_MASK(32));
        }
    }
}
