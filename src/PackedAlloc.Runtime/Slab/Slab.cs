using System.Collections.Generic;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Slab
{
    internal enum ObjectState : byte { NeverUsed = 0, Allocated = 1, Quarantined = 2, Free = 3 }

    /// <summary>
    /// One slab: 2^order pages cut into objects of the cache's stride, with per-object bookkeeping that KASAN and
    /// SLUB debugging keep in the kernel (state, requested size, allocation and free sites).
    /// </summary>
    internal sealed class Slab
    {
        private readonly Stack<int> _free = new Stack<int>();

        public Slab(KmemCache cache, ulong start, int order)
        {
            Cache = cache;
            Start = start;
            Order = order;
            Count = (PhysicalMemory.PageSize << order) / cache.Size;
            State = new ObjectState[Count];
            Requested = new int[Count];
            Packed = new bool[Count];
            AllocSites = new CallerLocation[Count];
            FreeSites = new CallerLocation[Count];
            for (int i = Count - 1; i >= 0; i--) _free.Push(i); // lowest address first
        }

        public KmemCache Cache { get; }
        public ulong Start { get; }
        public int Order { get; }
        public int Count { get; }
        public ObjectState[] State { get; }
        public int[] Requested { get; }
        public bool[] Packed { get; }
        public CallerLocation[] AllocSites { get; }
        public CallerLocation[] FreeSites { get; }
        public int InUse { get; private set; }
        public bool HasFree => _free.Count > 0;
        public ulong End => Start + (ulong)(PhysicalMemory.PageSize << Order);

        public ulong ObjectStart(int index) => Start + (ulong)index * (ulong)Cache.Size;

        /// <summary>Index of the object holding <paramref name="phys"/>, or -1 in the slab's tail waste.</summary>
        public int IndexOf(ulong phys)
        {
            long i = (long)((phys - Start) / (ulong)Cache.Size);
            return i < Count ? (int)i : -1;
        }

        /// <summary>Takes a free object. Caller holds the cache lock.</summary>
        public int Take()
        {
            int i = _free.Pop();
            State[i] = ObjectState.Allocated;
            InUse++;
            return i;
        }

        /// <summary>Puts a quarantined object back on the free list. Caller holds the cache lock.</summary>
        public void Release(int index)
        {
            State[index] = ObjectState.Free;
            _free.Push(index);
        }

        /// <summary>Marks an object freed (into quarantine). Caller holds the cache lock.</summary>
        public void MarkFreed(int index, in CallerLocation site)
        {
            State[index] = ObjectState.Quarantined;
            FreeSites[index] = site;
            InUse--;
        }
    }

    /// <summary>Page owner for slab pages.</summary>
    internal sealed class SlabPageOwner : PageOwner
    {
        public SlabPageOwner(Slab slab) => Slab = slab;
        public Slab Slab { get; }
    }

    /// <summary>Mutable state of a <see cref="KmemCache"/>, guarded by <see cref="Lock"/>.</summary>
    internal sealed class SlabCacheState
    {
        public object Lock { get; } = new object();
        public List<Slab> Slabs { get; } = new List<Slab>();
        public int Active { get; set; }
    }
}
