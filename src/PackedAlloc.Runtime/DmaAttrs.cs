using System;

namespace PackedAlloc.Runtime
{
    /// <summary>The kernel's <c>DMA_ATTR_*</c> bits (include/linux/dma-mapping.h).</summary>
    [Flags]
    public enum DmaAttrs : ulong
    {
        /// <summary>No attributes.</summary>
        None = 0,
        /// <summary>Weak ordering allowed.</summary>
        DMA_ATTR_WEAK_ORDERING = 1UL << 1,
        /// <summary>Write-combining mapping.</summary>
        DMA_ATTR_WRITE_COMBINE = 1UL << 2,
        /// <summary>No kernel virtual mapping is needed.</summary>
        DMA_ATTR_NO_KERNEL_MAPPING = 1UL << 4,
        /// <summary>Skip the CPU cache maintenance (and swiotlb copies) of map/unmap.</summary>
        DMA_ATTR_SKIP_CPU_SYNC = 1UL << 5,
        /// <summary>Physically contiguous allocation.</summary>
        DMA_ATTR_FORCE_CONTIGUOUS = 1UL << 6,
        /// <summary>Allocate single pages.</summary>
        DMA_ATTR_ALLOC_SINGLE_PAGES = 1UL << 7,
        /// <summary>Do not warn on allocation/mapping failure (e.g. "swiotlb buffer is full").</summary>
        DMA_ATTR_NO_WARN = 1UL << 8,
        /// <summary>Privileged access.</summary>
        DMA_ATTR_PRIVILEGED = 1UL << 9,
    }
}
