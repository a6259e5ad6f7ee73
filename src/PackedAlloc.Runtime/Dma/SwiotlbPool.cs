using System.Collections.Generic;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>An area of a pool: its own lock, search cursor and use count, so CPUs mapping at once rarely meet (<c>struct io_tlb_area</c>).</summary>
    internal sealed class SwiotlbArea
    {
        public System.Threading.Lock Lock { get; } = new System.Threading.Lock();
        public int Index { get; set; }
        /// <summary>Slots in use in this area: written under <see cref="Lock"/>, read with <see cref="System.Threading.Volatile"/> without it.</summary>
        public int Used;

        /// <summary>The most slots this area has had in use. Under <see cref="Lock"/>.</summary>
        public int Peak { get; set; }

        // Allocated after the lock and kept alive, so the next area's object and lock start at least two cache lines
        // further on (the heap keeps the order): two CPUs mapping in two areas then write no shared line, where
        // adjacent areas' cursors and lock words bounced one line between them at every mapping.
        private readonly byte[] _apart = new byte[128];
    }

    /// <summary>
    /// One swiotlb pool (<c>struct io_tlb_pool</c>): contiguous 2 KiB slots with per-slot metadata. Slot metadata of an
    /// area is guarded by that area's lock; a mapping never crosses an area (areas are whole segments).
    /// </summary>
    internal sealed class SwiotlbPool
    {
        public SwiotlbPool(ulong start, int nslabs, int nareas, bool transient, List<(ulong Phys, int Order)> blocks)
        {
            Start = start;
            Nslabs = nslabs;
            End = start + ((ulong)nslabs << Swiotlb.IO_TLB_SHIFT);
            Nareas = nareas;
            AreaNslabs = nslabs / nareas;
            Transient = transient;
            Blocks = blocks;
            Areas = new SwiotlbArea[nareas];
            for (int i = 0; i < nareas; i++) Areas[i] = new SwiotlbArea();
            OrigAddr = new ulong[nslabs];
            AllocSize = new int[nslabs];
            List = new int[nslabs];
            Head = new int[nslabs];
            MapSize = new int[nslabs];
            Offset = new int[nslabs];
            NSlots = new int[nslabs];
            Releasing = new bool[nslabs];
            for (int i = 0; i < nslabs; i++)
            {
                OrigAddr[i] = Swiotlb.InvalidPhys;
                // Free slots counted up to the next segment boundary (or the pool's end).
                List[i] = System.Math.Min(Swiotlb.IO_TLB_SEGSIZE - (i % Swiotlb.IO_TLB_SEGSIZE), nslabs - i);
                Head[i] = -1;
            }
        }

        public ulong Start { get; }
        public ulong End { get; }
        public int Nslabs { get; }
        public int Nareas { get; }
        public int AreaNslabs { get; }
        public bool Transient { get; }
        public List<(ulong Phys, int Order)> Blocks { get; }
        public SwiotlbArea[] Areas { get; }

        // Kernel per-slot metadata (io_tlb_slot): original address, remaining allocation size, free count.
        public ulong[] OrigAddr { get; }
        public int[] AllocSize { get; }
        public int[] List { get; }

        // Emulator bookkeeping so that a bad unmap is refused instead of corrupting the free counts:
        // the head slot of each slot's mapping, and at the head the mapping size, offset and slot count.
        public int[] Head { get; }
        public int[] MapSize { get; }
        public int[] Offset { get; }
        public int[] NSlots { get; }
        public bool[] Releasing { get; }

        public ulong SlotAddr(int index) => Start + ((ulong)index << Swiotlb.IO_TLB_SHIFT);

        public SwiotlbArea AreaOf(int index) => Areas[index / AreaNslabs];

        /// <summary>Slots in use, the areas' counts read without their locks.</summary>
        public int Used
        {
            get
            {
                int n = 0;
                foreach (SwiotlbArea a in Areas) n += System.Threading.Volatile.Read(ref a.Used);
                return n;
            }
        }

        public bool Contains(ulong phys) => phys >= Start && phys < End;
    }
}
