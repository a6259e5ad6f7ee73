using System;

namespace PackedAlloc.Runtime.Memory
{
    /// <summary>What a page belongs to; lets an access be checked against the object it falls in (KASAN's shadow, by owner).</summary>
    internal abstract class PageOwner
    {
        /// <summary>Whether the CPU maps these pages uncached (coherent memory for a non-coherent device).</summary>
        public virtual bool Uncached => false;
    }

    /// <summary>A run of pages with one purpose and simple bounds: swiotlb pools, coherent buffers, atomic-pool chunks.</summary>
    internal sealed class RegionOwner : PageOwner
    {
        public RegionOwner(string name, ulong start, long length, bool uncached)
        {
            Name = name;
            Start = start;
            Length = length;
            IsUncached = uncached;
        }

        public string Name { get; }
        public ulong Start { get; }
        public long Length { get; }
        public bool IsUncached { get; }
        public override bool Uncached => IsUncached;
    }

    /// <summary>A kmalloc larger than KMALLOC_MAX_CACHE_SIZE, served by the page allocator.</summary>
    internal sealed class LargeKmallocOwner : PageOwner
    {
        public LargeKmallocOwner(ulong start, int requested, int order, CallerLocation site)
        {
            Start = start;
            Requested = requested;
            Order = order;
            Site = site;
        }

        public ulong Start { get; }
        public int Requested { get; set; }
        public int Order { get; }
        public CallerLocation Site { get; }
        public int BlockSize => PhysicalMemory.PageSize << Order;
    }

    /// <summary>Tombstone for pages freed by a large kfree or a coherent free: later accesses are use-after-free.</summary>
    internal sealed class FreedPagesOwner : PageOwner
    {
        public FreedPagesOwner(string what, ulong start, long length, CallerLocation allocSite, CallerLocation freeSite)
        {
            What = what;
            Start = start;
            Length = length;
            AllocSite = allocSite;
            FreeSite = freeSite;
        }

        public string What { get; }
        public ulong Start { get; }
        public long Length { get; }
        public CallerLocation AllocSite { get; }
        public CallerLocation FreeSite { get; }
    }
}
