namespace PackedAlloc.Runtime
{
    /// <summary>
    /// The kernel-named facade: every function acts on <see cref="Machine.Current"/>, so driver code reads like the C
    /// it models (<c>using static PackedAlloc.Runtime.Kernel;</c>). Split by area into Kernel.*.cs.
    /// </summary>
    public static partial class Kernel
    {
        // GFP flags are consts so that `GFP_KERNEL | __GFP_PACKED` is a compile-time constant an analyzer can fold.

        /// <summary>Normal allocation that may sleep.</summary>
        public const GfpFlags GFP_KERNEL = GfpFlags.GFP_KERNEL;
        /// <summary>Never sleeps; may use reserves.</summary>
        public const GfpFlags GFP_ATOMIC = GfpFlags.GFP_ATOMIC;
        /// <summary>Never sleeps.</summary>
        public const GfpFlags GFP_NOWAIT = GfpFlags.GFP_NOWAIT;
        /// <summary>May sleep, no I/O.</summary>
        public const GfpFlags GFP_NOIO = GfpFlags.GFP_NOIO;
        /// <summary>May sleep, no filesystem recursion.</summary>
        public const GfpFlags GFP_NOFS = GfpFlags.GFP_NOFS;
        /// <summary>ZONE_DMA (below 16 MiB).</summary>
        public const GfpFlags GFP_DMA = GfpFlags.GFP_DMA;
        /// <summary>ZONE_DMA32 (below 4 GiB).</summary>
        public const GfpFlags GFP_DMA32 = GfpFlags.GFP_DMA32;
        /// <summary>Zero the memory.</summary>
        public const GfpFlags __GFP_ZERO = GfpFlags.__GFP_ZERO;
        /// <summary>No failure warnings.</summary>
        public const GfpFlags __GFP_NOWARN = GfpFlags.__GFP_NOWARN;
        /// <summary>Light reclaim only.</summary>
        public const GfpFlags __GFP_NORETRY = GfpFlags.__GFP_NORETRY;
        /// <summary>Small, 8-byte-aligned object that may share cache lines; must never reach DMA (out-of-tree proposal).</summary>
        public const GfpFlags __GFP_PACKED = GfpFlags.__GFP_PACKED;
        /// <summary>ZONE_DMA modifier.</summary>
        public const GfpFlags __GFP_DMA = GfpFlags.__GFP_DMA;
        /// <summary>ZONE_DMA32 modifier.</summary>
        public const GfpFlags __GFP_DMA32 = GfpFlags.__GFP_DMA32;
        /// <summary>Never fail.</summary>
        public const GfpFlags __GFP_NOFAIL = GfpFlags.__GFP_NOFAIL;
        /// <summary>May sleep (direct reclaim).</summary>
        public const GfpFlags __GFP_DIRECT_RECLAIM = GfpFlags.__GFP_DIRECT_RECLAIM;

        /// <summary>The device may read and write.</summary>
        public const DmaDirection DMA_BIDIRECTIONAL = DmaDirection.DMA_BIDIRECTIONAL;
        /// <summary>The device reads.</summary>
        public const DmaDirection DMA_TO_DEVICE = DmaDirection.DMA_TO_DEVICE;
        /// <summary>The device writes.</summary>
        public const DmaDirection DMA_FROM_DEVICE = DmaDirection.DMA_FROM_DEVICE;
        /// <summary>Debugging only.</summary>
        public const DmaDirection DMA_NONE = DmaDirection.DMA_NONE;

        /// <summary>Skip cache maintenance and swiotlb copies.</summary>
        public const DmaAttrs DMA_ATTR_SKIP_CPU_SYNC = DmaAttrs.DMA_ATTR_SKIP_CPU_SYNC;
        /// <summary>Do not warn on failure.</summary>
        public const DmaAttrs DMA_ATTR_NO_WARN = DmaAttrs.DMA_ATTR_NO_WARN;

        /// <summary><c>(~(dma_addr_t)0)</c>: the result of a failed mapping.</summary>
        public static readonly DmaAddr DMA_MAPPING_ERROR = new DmaAddr(ulong.MaxValue);

        /// <summary>The NULL pointer.</summary>
        public static readonly KernelPtr NULL = default;

        /// <summary><c>(void *)16</c>: what kmalloc(0) returns; dereferencing it faults.</summary>
        public static readonly KernelPtr ZERO_SIZE_PTR = new KernelPtr(16, null);

        /// <summary>Minimum kmalloc alignment (8).</summary>
        public const int ARCH_KMALLOC_MINALIGN = 8;

        /// <summary>The static worst-case DMA alignment (128, arm64). A machine's actual value is <see cref="MachineOptions.DmaMinAlign"/>.</summary>
        public const int ARCH_DMA_MINALIGN = 128;

        /// <summary>Align slab objects to the cache line (kmem_cache_create flag).</summary>
        public const uint SLAB_HWCACHE_ALIGN = 0x00002000U;
        /// <summary>Slab objects in ZONE_DMA.</summary>
        public const uint SLAB_CACHE_DMA = 0x00004000U;
        /// <summary>Slab objects in ZONE_DMA32.</summary>
        public const uint SLAB_CACHE_DMA32 = 0x00008000U;
        /// <summary>Panic (throw) if the cache cannot be created.</summary>
        public const uint SLAB_PANIC = 0x00040000U;

        /// <summary>Page size (4 KiB).</summary>
        public const int PAGE_SIZE = 4096;
        /// <summary>Largest size served by the kmalloc caches (8 KiB); larger requests go to the page allocator.</summary>
        public const int KMALLOC_MAX_CACHE_SIZE = 8192;
        /// <summary>Largest kmalloc (4 MiB, MAX_PAGE_ORDER 10).</summary>
        public const int KMALLOC_MAX_SIZE = 4 << 20;

        /// <summary><c>DMA_BIT_MASK(n)</c>.</summary>
        public static ulong DMA_BIT_MASK(int n)
        {
            if (n < 0 || n > 64) throw new System.ArgumentOutOfRangeException(nameof(n), n, "DMA mask bits must be 0..64.");
            return n == 64 ? ulong.MaxValue : (1UL << n) - 1;
        }

        /// <summary>The current machine; with none entered, an error that names the Kernel function called.</summary>
        private static Machine M([System.Runtime.CompilerServices.CallerMemberName] string caller = "") => Machine.CurrentFor(caller);
    }
}
