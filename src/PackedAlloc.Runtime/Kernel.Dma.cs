using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime
{
    public static partial class Kernel
    {
        /// <summary>Maps a kernel buffer for streaming DMA (kernel/dma/mapping.c + direct.h). Returns <see cref="DMA_MAPPING_ERROR"/> on failure.</summary>
        [OverloadResolutionPriority(1)]
        public static DmaAddr dma_map_single(Device dev, KernelPtr ptr, int size, DmaDirection dir, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
            => dma_map_single_attrs(dev, ptr, size, dir, DmaAttrs.None, file, line, member);

        /// <summary>Maps a kernel buffer for streaming DMA with attributes.</summary>
        [OverloadResolutionPriority(1)]
        public static DmaAddr dma_map_single_attrs(Device dev, KernelPtr ptr, int size, DmaDirection dir, DmaAttrs attrs, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            ArgumentNullException.ThrowIfNull(dev);
            return dev.Machine.Dma.MapSingle(dev, ptr, size, dir, attrs, CallerLocation.Capture(dev.Machine, file, line, member));
        }

        /// <summary>Unmaps a streaming mapping (finds swiotlb bounce buffers by itself).</summary>
        public static void dma_unmap_single(Device dev, DmaAddr addr, int size, DmaDirection dir)
            => dma_unmap_single_attrs(dev, addr, size, dir, DmaAttrs.None);

        /// <summary>Unmaps a streaming mapping with attributes.</summary>
        public static void dma_unmap_single_attrs(Device dev, DmaAddr addr, int size, DmaDirection dir, DmaAttrs attrs)
        {
            ArgumentNullException.ThrowIfNull(dev);
            dev.Machine.Dma.UnmapSingle(dev, addr, size, dir, attrs);
        }

        /// <summary>True when <paramref name="addr"/> is <see cref="DMA_MAPPING_ERROR"/>; marks the mapping as checked for dma-debug.</summary>
        public static bool dma_mapping_error(Device dev, DmaAddr addr)
        {
            ArgumentNullException.ThrowIfNull(dev);
            return dev.Machine.Dma.MappingError(dev, addr);
        }

        /// <summary>Gives the buffer back to the CPU (invalidate; copy out of the swiotlb).</summary>
        public static void dma_sync_single_for_cpu(Device dev, DmaAddr addr, int size, DmaDirection dir)
        {
            ArgumentNullException.ThrowIfNull(dev);
            dev.Machine.Dma.SyncSingle(dev, addr, size, dir, forDevice: false);
        }

        /// <summary>Gives the buffer back to the device (copy into the swiotlb; clean).</summary>
        public static void dma_sync_single_for_device(Device dev, DmaAddr addr, int size, DmaDirection dir)
        {
            ArgumentNullException.ThrowIfNull(dev);
            dev.Machine.Dma.SyncSingle(dev, addr, size, dir, forDevice: true);
        }

        /// <summary><c>dev_is_dma_coherent</c>: whether the device snoops the CPU caches.</summary>
        public static bool dev_is_dma_coherent(Device dev)
        {
            ArgumentNullException.ThrowIfNull(dev);
            return dev.IsCoherent;
        }

        /// <summary>
        /// Whether a kmalloc buffer of <paramref name="size"/> bytes mapped in <paramref name="dir"/> would need a
        /// bounce on this device: the device is not coherent, <paramref name="dir"/> is not DMA_TO_DEVICE, and the
        /// packed kmalloc size class of <paramref name="size"/> is not a multiple of the machine's DmaMinAlign.
        /// </summary>
        public static bool dma_kmalloc_needs_bounce(Device dev, int size, DmaDirection dir)
        {
            ArgumentNullException.ThrowIfNull(dev);
            return dev.Machine.Slab.DmaKmallocNeedsBounce(dev, size, dir);
        }

        /// <summary>The minimum alignment and width of a DMA buffer on this machine (<c>dma_get_cache_alignment</c>).</summary>
        public static int dma_get_cache_alignment() => M().Options.DmaMinAlign;

        /// <summary>Allocates coherent DMA memory; uncached for a non-coherent device. Atomic requests come from the atomic pool.</summary>
        [OverloadResolutionPriority(1)]
        public static KernelPtr dma_alloc_coherent(Device dev, int size, out DmaAddr handle, GfpFlags flags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            ArgumentNullException.ThrowIfNull(dev);
            return dev.Machine.Coherent.Alloc(dev, size, out handle, flags, CallerLocation.Capture(dev.Machine, file, line, member));
        }

        /// <summary>Frees coherent DMA memory.</summary>
        [OverloadResolutionPriority(1)]
        public static void dma_free_coherent(Device dev, int size, KernelPtr cpuAddr, DmaAddr handle, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            ArgumentNullException.ThrowIfNull(dev);
            dev.Machine.Coherent.Free(dev, size, cpuAddr, handle, CallerLocation.Capture(dev.Machine, file, line, member));
        }

        /// <summary>Maps <paramref name="paddr"/> through the swiotlb, always bouncing (kernel/dma/swiotlb.c).</summary>
        [OverloadResolutionPriority(1)]
        public static DmaAddr swiotlb_map(Device dev, PhysAddr paddr, int size, DmaDirection dir, DmaAttrs attrs, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            ArgumentNullException.ThrowIfNull(dev);
            return dev.Machine.Dma.SwiotlbMap(dev, paddr, size, dir, attrs, CallerLocation.Capture(dev.Machine, file, line, member));
        }

        // Without the caller's location, for delegates (see kmalloc's).
        [EditorBrowsable(EditorBrowsableState.Never)] public static DmaAddr dma_map_single(Device dev, KernelPtr ptr, int size, DmaDirection dir) => dma_map_single(dev, ptr, size, dir, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static DmaAddr dma_map_single_attrs(Device dev, KernelPtr ptr, int size, DmaDirection dir, DmaAttrs attrs) => dma_map_single_attrs(dev, ptr, size, dir, attrs, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static KernelPtr dma_alloc_coherent(Device dev, int size, out DmaAddr handle, GfpFlags flags) => dma_alloc_coherent(dev, size, out handle, flags, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static void dma_free_coherent(Device dev, int size, KernelPtr cpuAddr, DmaAddr handle) => dma_free_coherent(dev, size, cpuAddr, handle, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static DmaAddr swiotlb_map(Device dev, PhysAddr paddr, int size, DmaDirection dir, DmaAttrs attrs) => swiotlb_map(dev, paddr, size, dir, attrs, "", 0, "");

        /// <summary>Whether <paramref name="paddr"/> lies in one of the swiotlb pools.</summary>
        public static bool is_swiotlb_buffer(Device dev, PhysAddr paddr)
        {
            ArgumentNullException.ThrowIfNull(dev);
            return dev.Machine.Swiotlb.IsSwiotlbBuffer(paddr);
        }

        /// <summary>Whether the machine has a swiotlb.</summary>
        public static bool is_swiotlb_active(Device dev)
        {
            ArgumentNullException.ThrowIfNull(dev);
            return dev.Machine.Swiotlb.IsActive;
        }
    }
}
