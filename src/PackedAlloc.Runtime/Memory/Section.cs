namespace PackedAlloc.Runtime.Memory
{
    /// <summary>Cache state of one CPU cache line.</summary>
    public enum CacheLineState : byte
    {
        /// <summary>Not in the cache: a CPU access fetches it from RAM.</summary>
        Invalid = 0,
        /// <summary>In the cache, equal to RAM as of the fetch.</summary>
        Clean = 1,
        /// <summary>In the cache and newer than RAM: a clean or eviction writes it back.</summary>
        Dirty = 2,
    }

    /// <summary>
    /// 4 MiB of physical memory, allocated on first touch. It holds two copies: <see cref="Ram"/>, what devices
    /// and the memory bus see, and <see cref="Cpu"/>, the CPU's cached copy of each line whose state is not
    /// <see cref="CacheLineState.Invalid"/>. 4 MiB is the largest block the page allocator hands out (MAX_PAGE_ORDER 10),
    /// so every object lies inside one section and a CPU span over it is contiguous.
    /// </summary>
    internal sealed class Section
    {
        public const int Shift = 22;
        public const int Bytes = 1 << Shift;
        public const int Pages = Bytes / PhysicalMemory.PageSize;

        public Section(ulong basePhys, int lineShift)
        {
            Base = basePhys;
            Lines = new CacheLineState[Bytes >> lineShift];
            Owners = new PageOwner?[Pages];
        }

        public ulong Base { get; }

        /// <summary>Guards <see cref="Lines"/> and the transfers between <see cref="Ram"/> and <see cref="Cpu"/>.</summary>
        public object Lock { get; } = new object();

        public byte[] Ram { get; } = new byte[Bytes];

        public byte[] Cpu { get; } = new byte[Bytes];

        public CacheLineState[] Lines { get; }

        /// <summary>Who owns each page (slab, large kmalloc, a region, or a tombstone of a freed block): for KASAN-style checks.</summary>
        public PageOwner?[] Owners { get; }
    }
}
