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
        private readonly object _dataInit = new object();
        private System.Threading.Lock[]? _pageLocks;
        private byte[][]? _pageLockSpacing;
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

        /// <summary>
        /// Locks the pages of [off, off+len) (at least one) for <see cref="Lines"/> and the transfers between
        /// <see cref="Ram"/> and <see cref="Cpu"/> there; dispose to release. A lock per page, not per section: two
        /// threads working on two buffers of one 4 MiB section (two kmalloc objects of one size, say) do not wait for
        /// each other. Taken in ascending address order by everyone, so two ranges never deadlock.
        /// </summary>
        public PageLocks LockPages(int off, int len)
        {
            System.Threading.Lock[] locks = System.Threading.Volatile.Read(ref _pageLocks) ?? EnsureData()._pageLocks!;
            int first = off >> PhysicalMemory.PageShift, last = (off + System.Math.Max(len, 1) - 1) >> PhysicalMemory.PageShift;
            for (int page = first; page <= last; page++) locks[page].Enter();
            return new PageLocks(locks, first, last);
        }

        /// <summary>The locks <see cref="LockPages"/> took, released on dispose (in reverse order).</summary>
        public readonly ref struct PageLocks
        {
            private readonly System.Threading.Lock[] _locks;
            private readonly int _first, _last;

            public PageLocks(System.Threading.Lock[] locks, int first, int last)
            {
                _locks = locks;
                _first = first;
                _last = last;
            }

            public void Dispose()
            {
                for (int page = _last; page >= _first; page--) _locks[page].Exit();
            }
        }

        public byte[] Ram => _ram ?? EnsureData()._ram!;

        public byte[] Cpu => _cpu ?? EnsureData()._cpu!;

        public CacheLineState[] Lines => System.Threading.Volatile.Read(ref _lines) ?? EnsureData()._lines!;

        private Section EnsureData()
        {
            lock (_dataInit)
            {
                if (_lines is null)
                {
                    _ram = new byte[Bytes];
                    _cpu = new byte[Bytes];
                    var locks = new System.Threading.Lock[Pages];
                    // Each lock is followed by a small array kept alive, so neighbouring pages' locks lie on different
                    // host cache lines (the heap keeps allocation order): two threads locking two neighbouring pages
                    // otherwise bounced one line between them at every access.
                    var spacing = new byte[Pages][];
                    for (int i = 0; i < locks.Length; i++)
                    {
                        locks[i] = new System.Threading.Lock();
                        spacing[i] = new byte[64];
                    }
                    _pageLockSpacing = spacing;
                    System.Threading.Volatile.Write(ref _pageLocks, locks);
                    System.Threading.Volatile.Write(ref _lines, new CacheLineState[Bytes >> _lineShift]);
                }
            }
            return this;
        }

        /// <summary>Who owns each page (slab, large kmalloc, a region, or a tombstone of a freed block): for KASAN-style checks.</summary>
        public PageOwner?[] Owners { get; }
    }
}
