namespace PackedAlloc.Runtime
{
    /// <summary>The kernel's <c>enum dma_data_direction</c>.</summary>
    public enum DmaDirection
    {
        /// <summary>The device may read and write the buffer.</summary>
        DMA_BIDIRECTIONAL = 0,
        /// <summary>The device reads the buffer (CPU → device).</summary>
        DMA_TO_DEVICE = 1,
        /// <summary>The device writes the buffer (device → CPU).</summary>
        DMA_FROM_DEVICE = 2,
        /// <summary>Only for debugging; mapping with it is a kernel BUG.</summary>
        DMA_NONE = 3,
    }
}
