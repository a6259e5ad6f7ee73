using System;
using System.IO;

namespace PackedAlloc.Runtime
{
    /// <summary>What happens to the CPU's dirty data in a partially covered cache line when a DMA range is invalidated.</summary>
    public enum PartialLineInvalidate
    {
        /// <summary>
        /// arm64's <c>dcache_inval_poc</c>: lines only partly inside the range are cleaned and invalidated, so the
        /// CPU's dirty neighbour data is written back over whatever the device wrote to the shared line.
        /// </summary>
        CleanAndInvalidate = 0,

        /// <summary>
        /// A plain invalidate of every line the range touches (the generic table of arch/arc/mm/dma.c): the CPU's
        /// dirty neighbour data in a shared line is discarded.
        /// </summary>
        Invalidate = 1,
    }

    /// <summary>The knobs of an emulated <see cref="Machine"/>. Defaults model an arm64 system.</summary>
    public sealed class MachineOptions
    {
        /// <summary>CPU data cache line size in bytes (64). A power of two, 16..4096.</summary>
        public int CacheLineSize { get; init; } = 64;

        /// <summary><c>ARCH_DMA_MINALIGN</c> (128): the alignment of non-packed kmalloc objects. A power of two, 8..4096, at least <see cref="CacheLineSize"/>.</summary>
        public int DmaMinAlign { get; init; } = 128;

        /// <summary>Size of the default swiotlb pool (64 MiB); 0 boots without a swiotlb.</summary>
        public long SwiotlbBytes { get; init; } = 64L << 20;

        /// <summary>
        /// Linux 6.5's <c>DMA_BOUNCE_UNALIGNED_KMALLOC</c>: streaming mappings of kmalloc-sized buffers that may share
        /// a cache line bounce through the swiotlb on non-coherent devices. Without a swiotlb, kmalloc then ignores
        /// <c>__GFP_PACKED</c> and hands out DMA-aligned objects.
        /// </summary>
        public bool KmallocBounce { get; init; }

        /// <summary>
        /// How packed kmalloc buffers are kept safe for streaming DMA (<see cref="Runtime.BounceDesign.Swiotlb"/>, what
        /// Linux 6.5+ does, by default: nothing changes unless this is set). See <see cref="Runtime.BounceDesign"/>.
        /// </summary>
        public BounceDesign BounceDesign { get; init; } = BounceDesign.Swiotlb;

        /// <summary>
        /// The initial size of the <see cref="Runtime.BounceDesign.CoherentPool"/> pool, or the size of the
        /// <see cref="Runtime.BounceDesign.ObjectPool"/> reserve (64 KiB). 4 KiB..64 MiB.
        /// </summary>
        public long BouncePoolBytes { get; init; } = 64L << 10;

        /// <summary>CONFIG_DMA_API_DEBUG checks (true), with PackedAlloc's own: mappings that share a cache line with other data, and device accesses to memory not mapped for that device.</summary>
        public bool DmaDebug { get; init; } = true;

        /// <summary>
        /// CONFIG_PREEMPT_COUNT. On (the default), taking a spinlock, <c>preempt_disable</c> and <c>rcu_read_lock</c>
        /// raise the preempt count, so <c>in_atomic()</c> answers true under them. Off, as on kernels built without
        /// it, they leave the count alone and <c>in_atomic()</c> answers false under a spinlock; the emulation still
        /// knows the lock is held and reports a sleeping call made under it (what such a kernel cannot do, and why
        /// code must not choose its GFP flags with <c>in_atomic()</c>: rule PA0005).
        /// </summary>
        public bool PreemptCount { get; init; } = true;

        /// <summary>RAM size (8 GiB). Sparse: pages cost host memory only once touched. A multiple of 4 MiB, 32 MiB..1 TiB.</summary>
        public long MemoryBytes { get; init; } = 8L << 30;

        /// <summary>Whether every <see cref="DebugReport"/> is also thrown as a <see cref="KernelBugException"/> (false).</summary>
        public bool ThrowOnDebugReport { get; init; }

        /// <summary>
        /// The kernel log (what <c>dmesg</c> shows): every <see cref="DebugReport"/> (WARN, BUG, KASAN, might_sleep,
        /// dma-debug ...) is written here as it happens, each line prefixed with the time since boot as printk does
        /// (<c>[    0.012345] DMA-API: ...</c>). Standard error by default (<see cref="Console.Error"/> at the time of
        /// each report); another <see cref="TextWriter"/> redirects it, <see cref="TextWriter.Null"/> silences it.
        /// Writes are serialised per machine; machines that share a writer share it as the kernel's console would.
        /// </summary>
        public TextWriter Log
        {
            get => _log ?? Console.Error;
            init => _log = value ?? throw new ArgumentNullException(nameof(Log), "Log must not be null: TextWriter.Null silences the kernel log.");
        }
        private readonly TextWriter? _log;

        /// <summary>CONFIG_SWIOTLB_DYNAMIC: a full swiotlb grows (transient pools plus a background worker) instead of failing (false, as in Linux).</summary>
        public bool SwiotlbDynamic { get; init; }

        /// <summary>Number of swiotlb areas (0: the host's processor count rounded up to a power of two).</summary>
        public int SwiotlbAreas { get; init; }

        /// <summary>Atomic coherent pool size per zone (0: 128 KiB per GiB of RAM, between 128 KiB and 4 MiB, as kernel/dma/pool.c).</summary>
        public long CoherentPoolBytes { get; init; }

        /// <summary>How an invalidate treats partially covered lines (arm64's clean+invalidate by default).</summary>
        public PartialLineInvalidate PartialLineInvalidate { get; init; } = PartialLineInvalidate.CleanAndInvalidate;

        /// <summary>
        /// Record where allocations, frees and mappings were made, for double-free, KASAN and dma-debug reports (true):
        /// the caller's member, file and line, which the Kernel API receives from the compiler, so recording costs
        /// nothing measurable. A call through a delegate has no caller location and captures the stack instead.
        /// </summary>
        public bool TrackAllocationSites { get; init; } = true;

        /// <summary>
        /// Also capture the whole stack of each of those sites (false: roughly 35 µs a call), so that reports list the
        /// frames outside the runtime that led to the call, each with file and line when the caller's PDB is there.
        /// Needs <see cref="TrackAllocationSites"/>.
        /// </summary>
        public bool AllocationSiteStacks { get; init; }

        /// <summary>Earlier name of <see cref="AllocationSiteStacks"/>: file and line are now always recorded, and a stack when this is set.</summary>
        [Obsolete("File and line are always recorded now; set AllocationSiteStacks for the whole stack.")]
        public bool AllocationSiteFileInfo { get => AllocationSiteStacks; init => AllocationSiteStacks = value; }

        internal void Validate()
        {
            if (!IsPow2(CacheLineSize) || CacheLineSize < 16 || CacheLineSize > 4096)
                throw new ArgumentOutOfRangeException(nameof(CacheLineSize), CacheLineSize, "CacheLineSize must be a power of two between 16 and 4096.");
            if (!IsPow2(DmaMinAlign) || DmaMinAlign < 8 || DmaMinAlign > 4096)
                throw new ArgumentOutOfRangeException(nameof(DmaMinAlign), DmaMinAlign, "DmaMinAlign must be a power of two between 8 and 4096.");
            if (DmaMinAlign < CacheLineSize)
                throw new ArgumentOutOfRangeException(nameof(DmaMinAlign), DmaMinAlign, $"DmaMinAlign (ARCH_DMA_MINALIGN) must be at least CacheLineSize ({CacheLineSize}): DMA-aligned objects must not share a cache line.");
            if (MemoryBytes < (32L << 20) || MemoryBytes % (4L << 20) != 0 || MemoryBytes > (1L << 40))
                throw new ArgumentOutOfRangeException(nameof(MemoryBytes), MemoryBytes, "MemoryBytes must be a multiple of 4 MiB between 32 MiB and 1 TiB.");
            if (SwiotlbBytes < 0 || SwiotlbBytes > (1L << 31))
                throw new ArgumentOutOfRangeException(nameof(SwiotlbBytes), SwiotlbBytes, "SwiotlbBytes must be between 0 and 2 GiB.");
            if (SwiotlbAreas < 0 || (SwiotlbAreas != 0 && !IsPow2(SwiotlbAreas)))
                throw new ArgumentOutOfRangeException(nameof(SwiotlbAreas), SwiotlbAreas, "SwiotlbAreas must be 0 or a power of two.");
            if (!Enum.IsDefined(PartialLineInvalidate))
                throw new ArgumentOutOfRangeException(nameof(PartialLineInvalidate), PartialLineInvalidate,
                    $"PartialLineInvalidate must be {nameof(PartialLineInvalidate.CleanAndInvalidate)} or {nameof(PartialLineInvalidate.Invalidate)}.");
            if (!Enum.IsDefined(BounceDesign))
                throw new ArgumentOutOfRangeException(nameof(BounceDesign), BounceDesign, "BounceDesign must be Swiotlb, PackedDisabled, CoherentPool or ObjectPool.");
            if (BouncePoolBytes < 4096 || BouncePoolBytes > (64L << 20))
                throw new ArgumentOutOfRangeException(nameof(BouncePoolBytes), BouncePoolBytes, "BouncePoolBytes must be between 4 KiB and 64 MiB.");
            if (CoherentPoolBytes < 0 || CoherentPoolBytes > (64L << 20))
                throw new ArgumentOutOfRangeException(nameof(CoherentPoolBytes), CoherentPoolBytes, "CoherentPoolBytes must be between 0 and 64 MiB.");
        }

        private static bool IsPow2(long v) => v > 0 && (v & (v - 1)) == 0;
    }
}
