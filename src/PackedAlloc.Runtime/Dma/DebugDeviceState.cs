using System.Collections.Generic;
using System.Threading;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// One device's dma-debug state under a lock of its own (the kernel hashes entries into buckets with a lock each):
    /// its live entries by device address, the pages they cover, and spare entries and lists to recycle. Two drivers
    /// mapping on two devices share nothing here, even when their buffers share a page.
    /// </summary>
    internal sealed class DebugDeviceState
    {
        private const int MaxSpare = 64;

        // A counting filter of the pages live entries cover, indexed by page number modulo its size (16 MiB of
        // memory before two pages share a slot). Written under the lock, read without it by the checks that run on
        // every CPU access and every kfree: a zero slot proves no entry covers the page; a non-zero one sends the
        // check to the entries, under the lock.
        private const int PageSlots = 4096;
        private readonly int[] _pages = new int[PageSlots];
        private readonly Stack<List<DebugEntry>> _spareLists = new Stack<List<DebugEntry>>();
        private readonly Stack<DebugEntry> _spareEntries = new Stack<DebugEntry>();
        private int _live;

        public DebugDeviceState(Device device) => Device = device;

        public Device Device { get; }

        public Lock Lock { get; } = new Lock();

        /// <summary>Live entries by device address. Caller holds <see cref="Lock"/>.</summary>
        public Dictionary<ulong, List<DebugEntry>> ByAddr { get; } = new Dictionary<ulong, List<DebugEntry>>();

        /// <summary>Live entries (read without the lock).</summary>
        public int Live => Volatile.Read(ref _live);

        /// <summary>Records a new mapping in a recycled or fresh entry. Caller holds <see cref="Lock"/>.</summary>
        public DebugEntry Add(in MappingRecord record)
        {
            DebugEntry e = _spareEntries.Count > 0 ? _spareEntries.Pop() : new DebugEntry();
            e.Start(record);
            if (!ByAddr.TryGetValue(e.DevAddr, out var list))
                ByAddr[e.DevAddr] = list = _spareLists.Count > 0 ? _spareLists.Pop() : new List<DebugEntry>();
            list.Add(e);
            (ulong first, ulong last) = Pages(e);
            for (ulong page = first; page <= last; page++) _pages[page % PageSlots]++;
            Volatile.Write(ref _live, _live + 1);
            return e;
        }

        /// <summary>
        /// Drops an entry and keeps it for a later mapping (a driver maps and unmaps all the time, and an entry and a list
        /// per mapping were its garbage). Caller holds <see cref="Lock"/>.
        /// </summary>
        public void Remove(DebugEntry e)
        {
            if (!ByAddr.TryGetValue(e.DevAddr, out var list) || !list.Remove(e)) return;
            if (list.Count == 0)
            {
                ByAddr.Remove(e.DevAddr);
                if (_spareLists.Count < MaxSpare) _spareLists.Push(list);
            }
            (ulong first, ulong last) = Pages(e);
            for (ulong page = first; page <= last; page++) _pages[page % PageSlots]--;
            Volatile.Write(ref _live, _live - 1);
            if (_spareEntries.Count < MaxSpare) _spareEntries.Push(e);
        }

        /// <summary>
        /// Whether a live entry may cover part of [phys, phys+size), read without the lock: false proves none does
        /// (an entry another thread adds meanwhile may or may not be seen, as with any race); true means look.
        /// </summary>
        public bool MayCover(ulong phys, int size)
        {
            if (Volatile.Read(ref _live) == 0) return false;
            ulong first = phys >> PhysicalMemory.PageShift, last = (phys + (ulong)System.Math.Max(size, 1) - 1) >> PhysicalMemory.PageShift;
            ulong pages = System.Math.Min(last - first + 1, PageSlots); // past that, every slot was looked at
            for (ulong i = 0; i < pages; i++)
                if (Volatile.Read(ref _pages[(first + i) % PageSlots]) != 0) return true;
            return false;
        }

        /// <summary>The first and last page an entry covers; a 0-byte mapping covers its first.</summary>
        private static (ulong First, ulong Last) Pages(DebugEntry e) =>
            (e.Paddr >> PhysicalMemory.PageShift, (e.Paddr + (ulong)System.Math.Max(e.Size, 1) - 1) >> PhysicalMemory.PageShift);
    }
}
