using System;

namespace PackedAlloc.Runtime.Memory
{
    internal enum ZoneId { Dma = 0, Dma32 = 1, Normal = 2 }

    internal sealed class PhysicalMemory
    {
        public PhysicalMemory(Machine machine) { Cache = new CpuCache(); }
        public CpuCache Cache { get; }
        public PhysAddr VirtToPhys(KernelPtr p) => throw new NotImplementedException();
        public KernelPtr PhysToVirt(PhysAddr p) => throw new NotImplementedException();
        public Span<byte> CpuAccess(KernelPtr p, int length, bool write) => throw new NotImplementedException();
        public void DeviceAccess(Device dev, DmaAddr addr, int length, ReadOnlySpan<byte> src, Span<byte> dst, bool write) => throw new NotImplementedException();
    }

    /// <summary>The CPU data cache.</summary>
    public sealed class CpuCache
    {
        internal CpuCache() { }
        /// <summary>Writes back every dirty line and invalidates the whole cache.</summary>
        public void EvictAll() => throw new NotImplementedException();
    }
}

namespace PackedAlloc.Runtime.Slab
{
    internal sealed class SlabCacheState { public int Active { get; set; } }

    internal sealed class SlabAllocator
    {
        public SlabAllocator(Machine machine) { }
        public void Init() { }
        public KernelPtr Kmalloc(int size, GfpFlags flags) => throw new NotImplementedException();
        public void Kfree(KernelPtr p) => throw new NotImplementedException();
        public int Ksize(KernelPtr p) => throw new NotImplementedException();
        public KernelPtr Krealloc(KernelPtr p, int size, GfpFlags flags) => throw new NotImplementedException();
        public int SizeRoundup(int size, GfpFlags flags) => throw new NotImplementedException();
        public KmemCache? CacheCreate(string name, int size, int align, uint flags) => throw new NotImplementedException();
        public KernelPtr CacheAlloc(KmemCache c, GfpFlags flags) => throw new NotImplementedException();
        public void CacheFree(KmemCache c, KernelPtr p) => throw new NotImplementedException();
        public void CacheDestroy(KmemCache c) => throw new NotImplementedException();
        public bool DmaKmallocNeedsBounce(Device dev, int size, DmaDirection dir) => throw new NotImplementedException();
    }
}

namespace PackedAlloc.Runtime.Dma
{
    /// <summary>The software IO TLB.</summary>
    public sealed class Swiotlb
    {
        internal Swiotlb(Machine machine) { }
        internal void Init() { }
        internal bool IsSwiotlbBuffer(PhysAddr p) => throw new NotImplementedException();
        /// <summary>Whether the machine has a swiotlb.</summary>
        public bool IsActive => throw new NotImplementedException();
    }

    internal sealed class DmaDebug
    {
        public DmaDebug(Machine machine) { }
        public void DeviceReleased(Device dev) => throw new NotImplementedException();
    }

    internal sealed class DmaDirect
    {
        public DmaDirect(Machine machine) { }
        public DmaAddr MapSingle(Device dev, KernelPtr ptr, int size, DmaDirection dir, DmaAttrs attrs) => throw new NotImplementedException();
        public void UnmapSingle(Device dev, DmaAddr addr, int size, DmaDirection dir, DmaAttrs attrs) => throw new NotImplementedException();
        public bool MappingError(Device dev, DmaAddr addr) => throw new NotImplementedException();
        public void SyncSingle(Device dev, DmaAddr addr, int size, DmaDirection dir, bool forDevice) => throw new NotImplementedException();
        public DmaAddr SwiotlbMap(Device dev, PhysAddr paddr, int size, DmaDirection dir, DmaAttrs attrs) => throw new NotImplementedException();
        public int MapSg(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, DmaAttrs attrs) => throw new NotImplementedException();
        public void UnmapSg(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, DmaAttrs attrs) => throw new NotImplementedException();
        public void SyncSg(Device dev, ScatterList[] sgl, int nents, DmaDirection dir, bool forDevice) => throw new NotImplementedException();
    }

    internal sealed class CoherentAllocator
    {
        public CoherentAllocator(Machine machine) { }
        public void Init() { }
        public KernelPtr Alloc(Device dev, int size, out DmaAddr handle, GfpFlags flags) => throw new NotImplementedException();
        public void Free(Device dev, int size, KernelPtr cpu, DmaAddr handle) => throw new NotImplementedException();
    }
}
