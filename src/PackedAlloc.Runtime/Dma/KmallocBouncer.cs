using System.Collections.Generic;
using System.Threading;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>
    /// The machine's <see cref="BounceDesign"/>: whether kmalloc honours <c>__GFP_PACKED</c>, which streaming mappings
    /// bounce, and where the bounce buffer comes from and goes back to. dma-direct asks it on every map, and on every
    /// unmap and sync of an address that is not the swiotlb's.
    /// </summary>
    internal abstract class KmallocBouncer
    {
        private long _inUse;
        private long _peakInUse;

        protected KmallocBouncer(Machine machine) => Machine = machine;

        protected Machine Machine { get; }

        protected StripedCounter BounceCount { get; } = new StripedCounter();

        protected StripedCounter FallbackCount { get; } = new StripedCounter();

        protected StripedCounter FailureCount { get; } = new StripedCounter();

        public abstract BounceDesign Design { get; }

        /// <summary>Whether kmalloc hands out packed objects for <c>__GFP_PACKED</c>.</summary>
        public virtual bool PackedHonoured => true;

        /// <summary>Whether unaligned kmalloc buffers bounce at all (dma-debug's overlap check is then moot for them).</summary>
        public virtual bool Active => true;

        /// <summary>Whether this mapping bounces (<c>dma_kmalloc_needs_bounce</c> under this design).</summary>
        public virtual bool Wants(Device dev, int size, DmaDirection dir) => Machine.Slab.DmaKmallocNeedsBounce(dev, size, dir);

        /// <summary>Bounces [phys, phys+size) for the device; the bus address, or <see cref="ulong.MaxValue"/> when no buffer was had (reported).</summary>
        public abstract ulong Map(Device dev, ulong phys, int size, DmaDirection dir, DmaAttrs attrs, in CallerLocation site);

        /// <summary>Unmaps <paramref name="addr"/> when this design bounced it (copy out, give the buffer back); false when it is not the design's.</summary>
        public virtual bool TryUnmap(Device dev, ulong addr, int size, DmaDirection dir, DmaAttrs attrs) => false;

        /// <summary>Syncs <paramref name="addr"/> when this design bounced it; false when it is not the design's.</summary>
        public virtual bool TrySync(Device dev, ulong addr, int size, DmaDirection dir, bool forDevice) => false;

        public abstract BounceStatistics Statistics();

        /// <summary>The design's own consistency problems (none when empty): for tests after a run.</summary>
        public virtual List<string> Validate() => new List<string>();

        /// <summary>Bounce memory live mappings hold now, and the most they held at once.</summary>
        protected long InUse => Volatile.Read(ref _inUse);

        protected long PeakInUse => Volatile.Read(ref _peakInUse);

        /// <summary>A bounce buffer of <paramref name="bytes"/> taken (positive) or given back (negative).</summary>
        protected void AddInUse(long bytes) => AtomicMax.Raise(ref _peakInUse, Interlocked.Add(ref _inUse, bytes));

        /// <summary>Reports an in-use count that disagrees with the bytes of the live bounces (<paramref name="liveBytes"/>).</summary>
        protected void CheckInUse(long liveBytes, List<string> problems)
        {
            if (liveBytes != InUse) problems.Add($"{liveBytes} bytes in live bounces but {InUse} counted");
        }

        public static KmallocBouncer Create(Machine machine) => machine.Options.BounceDesign switch
        {
            BounceDesign.PackedDisabled => new PackedDisabledDesign(machine),
            BounceDesign.CoherentPool => new CoherentPoolBounce(machine),
            BounceDesign.ObjectPool => new ObjectPoolBounce(machine),
            _ => new SwiotlbBounce(machine),
        };
    }
}
