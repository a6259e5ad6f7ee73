using System;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// The kernel's <c>gfp_t</c>: allocation flags with the bit values of include/linux/gfp_types.h (v6.3+ layout).
    /// <see cref="__GFP_PACKED"/> is the never-merged 2022 proposal; it takes bit 27 as the RFC did.
    /// </summary>
    [Flags]
    public enum GfpFlags : uint
    {
        /// <summary>No flags (only useful for building masks).</summary>
        None = 0,
        /// <summary>Allocate in ZONE_DMA (below 16 MiB).</summary>
        __GFP_DMA = 0x01,
        /// <summary>Highmem (meaningless here; kept for the bit layout).</summary>
        __GFP_HIGHMEM = 0x02,
        /// <summary>Allocate in ZONE_DMA32 (below 4 GiB).</summary>
        __GFP_DMA32 = 0x04,
        /// <summary>Movable page.</summary>
        __GFP_MOVABLE = 0x08,
        /// <summary>Reclaimable slab (kmalloc-rcl-N).</summary>
        __GFP_RECLAIMABLE = 0x10,
        /// <summary>May use emergency reserves.</summary>
        __GFP_HIGH = 0x20,
        /// <summary>May start physical I/O.</summary>
        __GFP_IO = 0x40,
        /// <summary>May call into the filesystem.</summary>
        __GFP_FS = 0x80,
        /// <summary>Return zeroed memory.</summary>
        __GFP_ZERO = 0x100,
        /// <summary>May enter direct reclaim, i.e. may sleep (<c>gfpflags_allow_blocking</c>).</summary>
        __GFP_DIRECT_RECLAIM = 0x400,
        /// <summary>May wake kswapd.</summary>
        __GFP_KSWAPD_RECLAIM = 0x800,
        /// <summary>Suppress allocation failure reports.</summary>
        __GFP_NOWARN = 0x2000,
        /// <summary>Retry, but may fail.</summary>
        __GFP_RETRY_MAYFAIL = 0x4000,
        /// <summary>Never fail.</summary>
        __GFP_NOFAIL = 0x8000,
        /// <summary>Light reclaim only; failure is likely and tolerated.</summary>
        __GFP_NORETRY = 0x10000,
        /// <summary>Compound page.</summary>
        __GFP_COMP = 0x40000,
        /// <summary>Charge to kmemcg.</summary>
        __GFP_ACCOUNT = 0x400000,
        /// <summary>
        /// Out-of-tree (April 2022 RFC): a small, 8-byte-aligned kmalloc object that may share a cache line with
        /// its neighbours, with the caller's promise that it never reaches DMA.
        /// </summary>
        __GFP_PACKED = 0x8000000,

        /// <summary>Direct and kswapd reclaim.</summary>
        __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM,
        /// <summary>Never sleeps; may use reserves (0x820).</summary>
        GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM,
        /// <summary>Normal allocation that may sleep (0xCC0).</summary>
        GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS,
        /// <summary>Never sleeps, no reserves (0x800).</summary>
        GFP_NOWAIT = __GFP_KSWAPD_RECLAIM,
        /// <summary>May sleep, no I/O (0xC00).</summary>
        GFP_NOIO = __GFP_RECLAIM,
        /// <summary>May sleep, no filesystem calls (0xC40).</summary>
        GFP_NOFS = __GFP_RECLAIM | __GFP_IO,
        /// <summary>ZONE_DMA.</summary>
        GFP_DMA = __GFP_DMA,
        /// <summary>ZONE_DMA32.</summary>
        GFP_DMA32 = __GFP_DMA32,
    }
}
