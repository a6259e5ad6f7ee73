namespace PackedAlloc.Runtime
{
    /// <summary>A slab cache (<c>struct kmem_cache</c>): kmalloc's size classes and <c>kmem_cache_create</c> caches.</summary>
    public sealed class KmemCache
    {
        internal KmemCache(Machine machine, string name, int objectSize, int size, int align, uint flags, Memory.ZoneId zone, bool isKmalloc)
        {
            Machine = machine;
            Name = name;
            ObjectSize = objectSize;
            Size = size;
            Align = align;
            Flags = flags;
            Zone = zone;
            IsKmalloc = isKmalloc;
        }

        internal Machine Machine { get; }

        /// <summary>The cache name, e.g. "kmalloc-32" or "dma-kmalloc-128".</summary>
        public string Name { get; }

        /// <summary>The object size asked for.</summary>
        public int ObjectSize { get; }

        /// <summary>The stride of objects in a slab (object size rounded up to the alignment).</summary>
        public int Size { get; }

        /// <summary>The object alignment.</summary>
        public int Align { get; }

        /// <summary>The SLAB_* flags.</summary>
        public uint Flags { get; }

        internal Memory.ZoneId Zone { get; }

        internal bool IsKmalloc { get; }

        internal Slab.SlabCacheState State { get; } = new Slab.SlabCacheState();

        /// <summary>Objects currently allocated.</summary>
        public int ActiveObjects => State.Active;

        /// <summary>Whether the cache was destroyed.</summary>
        public bool IsDestroyed { get; internal set; }

        /// <inheritdoc/>
        public override string ToString() => $"{Name} (size {Size}, align {Align})";
    }
}
