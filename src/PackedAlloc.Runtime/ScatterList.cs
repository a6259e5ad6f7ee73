namespace PackedAlloc.Runtime
{
    /// <summary>One entry of a scatterlist (<c>struct scatterlist</c>).</summary>
    public sealed class ScatterList
    {
        /// <summary>Creates an empty entry.</summary>
        public ScatterList() { }

        /// <summary>The CPU buffer (<c>sg_virt</c>).</summary>
        public KernelPtr Buffer { get; internal set; }

        /// <summary>Its length in bytes.</summary>
        public int Length { get; internal set; }

        /// <summary>The bus address once mapped (<c>sg_dma_address</c>).</summary>
        public DmaAddr DmaAddress { get; internal set; }

        /// <summary>The mapped length (<c>sg_dma_len</c>).</summary>
        public int DmaLength { get; internal set; }

        /// <summary>Whether this is the last entry (<c>sg_is_last</c>).</summary>
        public bool IsEnd { get; internal set; }

        internal void Reset()
        {
            Buffer = default;
            Length = 0;
            DmaAddress = default;
            DmaLength = 0;
            IsEnd = false;
        }
    }
}
