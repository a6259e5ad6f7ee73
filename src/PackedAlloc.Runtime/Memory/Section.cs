using System;
using System.Runtime.InteropServices;
using System.Threading;

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
        private PageLock[]? _pageLocks;
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
        /// each other. Everyone takes page locks in ascending address order, so two ranges never deadlock.
        /// </summary>
        public PageLocks LockPages(int off, int len)
        {
            (int first, int last) = PagesOf(off, len);
            PageLock[] locks = PageLocksArray;
            Enter(locks, first, last);
            return new PageLocks(locks, first, last, null, 0, -1);
        }

        /// <summary>
        /// Locks the pages of two ranges, <paramref name="a"/>'s and <paramref name="b"/>'s (the same section or two):
        /// in ascending address order, and once where they share pages.
        /// </summary>
        public static PageLocks LockPages(Section a, int offA, int lenA, Section b, int offB, int lenB)
        {
            (int aFirst, int aLast) = PagesOf(offA, lenA);
            (int bFirst, int bLast) = PagesOf(offB, lenB);
            if (ReferenceEquals(a, b) && aFirst <= bLast + 1 && bFirst <= aLast + 1)
                return a.LockPages(Math.Min(aFirst, bFirst) << PhysicalMemory.PageShift, (Math.Max(aLast, bLast) - Math.Min(aFirst, bFirst) + 1) << PhysicalMemory.PageShift);
            if (a.Base + ((ulong)aFirst << PhysicalMemory.PageShift) > b.Base + ((ulong)bFirst << PhysicalMemory.PageShift))
            {
                (a, b) = (b, a);
                (aFirst, aLast, bFirst, bLast) = (bFirst, bLast, aFirst, aLast);
            }
            PageLock[] first = a.PageLocksArray, second = b.PageLocksArray;
            Enter(first, aFirst, aLast);
            Enter(second, bFirst, bLast);
            return new PageLocks(first, aFirst, aLast, second, bFirst, bLast);
        }

        private PageLock[] PageLocksArray => System.Threading.Volatile.Read(ref _pageLocks) ?? EnsureData()._pageLocks!;

        private static (int First, int Last) PagesOf(int off, int len) =>
            (off >> PhysicalMemory.PageShift, (off + Math.Max(len, 1) - 1) >> PhysicalMemory.PageShift);

        private static void Enter(PageLock[] locks, int first, int last)
        {
            for (int page = first; page <= last; page++)
            {
                bool taken = false;
                locks[page].Lock.Enter(ref taken);
            }
        }

        /// <summary>
        /// A page's lock: a spin lock (held for a copy of at most a few pages, and taken many times per DMA call:
        /// a 64 KiB mapping takes 16 at each step, where a <see cref="System.Threading.Lock"/> per page cost a
        /// microsecond), padded to two host cache lines (the adjacent-line prefetcher pairs them), so two threads
        /// locking neighbouring pages do not bounce one line between them.
        /// </summary>
        [StructLayout(LayoutKind.Explicit, Size = 128)]
        internal struct PageLock
        {
            [FieldOffset(0)] public SpinLock Lock;
        }

        /// <summary>The locks <see cref="LockPages(int, int)"/> took, released on dispose (in reverse order).</summary>
        public readonly ref struct PageLocks
        {
            private readonly PageLock[] _first;
            private readonly PageLock[]? _second;
            private readonly int _firstFrom, _firstTo, _secondFrom, _secondTo;

            public PageLocks(PageLock[] first, int firstFrom, int firstTo, PageLock[]? second, int secondFrom, int secondTo)
            {
                _first = first;
                _firstFrom = firstFrom;
                _firstTo = firstTo;
                _second = second;
                _secondFrom = secondFrom;
                _secondTo = secondTo;
            }

            public void Dispose()
            {
                if (_second is not null)
                    for (int page = _secondTo; page >= _secondFrom; page--) _second[page].Lock.Exit(useMemoryBarrier: false);
                for (int page = _firstTo; page >= _firstFrom; page--) _first[page].Lock.Exit(useMemoryBarrier: false);
            }
        }

        /// <summary>Whether any of lines <paramref name="firstLine"/>..<paramref name="lastLine"/> is in the cache, in one vectorised look. Caller holds their pages' locks.</summary>
        public bool AnyLineCached(int firstLine, int lastLine) =>
            Lines.AsSpan(firstLine, lastLine - firstLine + 1).IndexOfAnyExcept(CacheLineState.Invalid) >= 0;

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
                    var locks = new PageLock[Pages];
                    for (int i = 0; i < locks.Length; i++) locks[i].Lock = new SpinLock(enableThreadOwnerTracking: false);
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
