namespace PackedAlloc.Runtime
{
    /// <summary>
    /// How a machine keeps packed kmalloc buffers safe for streaming DMA on a non-coherent device: the designs weighed in
    /// the <c>__GFP_PACKED</c> thread, one per machine (<see cref="MachineOptions.BounceDesign"/>). A buffer "needs a
    /// bounce" when it is kmalloc-sized, the device is non-coherent, the direction lets the device write, and its size
    /// is not a multiple of <c>ARCH_DMA_MINALIGN</c> (<c>dma_kmalloc_needs_bounce</c>).
    /// </summary>
    public enum BounceDesign
    {
        /// <summary>
        /// What Linux 6.5+ does (the default): with <see cref="MachineOptions.KmallocBounce"/> such buffers bounce
        /// through the swiotlb, and a machine without a swiotlb ignores <c>__GFP_PACKED</c>; without
        /// <see cref="MachineOptions.KmallocBounce"/> nothing bounces, so a packed buffer mapped for DMA shares its cache
        /// lines with its neighbours (the hazard).
        /// </summary>
        Swiotlb = 0,

        /// <summary>kmalloc ignores <c>__GFP_PACKED</c>: every object is DMA-aligned, nothing needs a bounce, small objects cost their padding.</summary>
        PackedDisabled = 1,

        /// <summary>
        /// Such buffers bounce through a pool of coherent memory, mapped uncached, so the bounce buffer needs no cache
        /// maintenance. The pool starts at <see cref="MachineOptions.BouncePoolBytes"/> and a worker grows it when a
        /// quarter or less is free; it never shrinks. A mapping that finds it full grows it in process context and
        /// fails in atomic context.
        /// </summary>
        CoherentPool = 2,

        /// <summary>
        /// Such buffers bounce through DMA-aligned objects of kmem_caches kept in reserve (about
        /// <see cref="MachineOptions.BouncePoolBytes"/> in all); a worker refills the reserve with <c>GFP_KERNEL</c> when
        /// it runs low, and a mapping that finds it empty allocates from the slab with <c>GFP_ATOMIC</c>.
        /// </summary>
        ObjectPool = 3,
    }
}
