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
    /// 4 MiB of physical memory. The section object (page owners) exists once any page is owned; its data arrays are allocated on first data access. It holds two copies: <see cref="Ram"/>, what devices
    /// and the memory bus see, and <see cref="Cpu"/>, the CPU's cached copy of each line whose state is not
    /// <see cref="CacheLineState.Invalid"/>. 4 MiB is the largest block the page allocator hands out (MAX_PAGE_ORDER 10),
    /// so every object lies inside one section and a CPU span over it is contiguous.
    /// </summary>
    internal sealed class Section
    {
        public const int Shift = 22;
        public const int Bytes = 1 << Shift;
        public const int Pages = Bytes / PhysicalMemory.PageSize;

        private readonly int _lineShift;
        private byte[]? _ram;
        private byte[]? _cpu;
        private CacheLineState[]? _lines;

        public Section(ulong basePhys, int lineShift)
        {
            Base = basePhys;
            _lineShift = lineShift;
            Owners = new PageOwner?[Pages];
        }

        /// <summary>Whether the data arrays exist (ownership alone, e.g. a reserved swiotlb pool, costs no data).</summary>
        public bool HasData => System.Threading.Volatile.Read(ref _lines) is not null;

        public ulong Base { get; }

        /// <summary>Guards <see cref="Lines"/> and the transfers between <see cref="Ram"/> and <see cref="Cpu"/>.</summary>
        public System.Threading.Lock Lock { get; } = new System.Threading.Lock();

        public byte[] Ram => _ram ?? EnsureData()._ram!;

        public byte[] Cpu => _cpu ?? EnsureData()._cpu!;

        public CacheLineState[] Lines => System.Threading.Volatile.Read(ref _lines) ?? EnsureData()._lines!;

        private Section EnsureData()
        {
            lock (Lock)
            {
                if (_lines is null)
                {
                    _ram = new byte[Bytes];
                    _cpu = new byte[Bytes];
                    System.Threading.Volatile.Write(ref _lines, new CacheLineState[Bytes >> _lineShift]);
                }
            }
            return this;
        }

        /// <summary>Who owns each page (slab, large kmalloc, a region, or a tombstone of a freed block): for KASAN-style checks.</summary>
        public PageOwner?[] Owners { get; }
    }
}
