using System.Numerics;

namespace PackedAlloc.Runtime.Slab
{
    /// <summary>kmalloc size classes (include/linux/slab.h, mm/slab_common.c) with 8-byte KMALLOC_MIN_SIZE.</summary>
    internal static class KmallocSizes
    {
        public const int MinSize = 8;
        public const int MaxCacheSize = 8192;

        // kmalloc_info[] index → object size: 1 is kmalloc-96, 2 is kmalloc-192, n ≥ 3 is 2^n.
        public static int SizeOfIndex(int index) => index == 1 ? 96 : index == 2 ? 192 : 1 << index;

        // kmalloc_size_index[(size - 1) / 8] for sizes up to 192 (mm/slab_common.c).
        private static readonly byte[] s_sizeIndex =
        {
            3, 4, 5, 5, 6, 6, 6, 6,   // 8 16 32 32 64 64 64 64
            1, 1, 1, 1,               // 72..96 → kmalloc-96
            7, 7, 7, 7,               // 104..128 → kmalloc-128
            2, 2, 2, 2, 2, 2, 2, 2,   // 136..192 → kmalloc-192
        };

        /// <summary>kmalloc_slab's index for 1 ≤ size ≤ 8192, once the size is aligned to the minimum alignment.</summary>
        public static int IndexOf(int size)
        {
            if (size <= 192) return s_sizeIndex[(size - 1) / 8];
            return 32 - BitOperations.LeadingZeroCount((uint)(size - 1)); // fls(size - 1)
        }

        /// <summary>The class a request lands in when objects must be aligned to <paramref name="minAlign"/> (the RFC's ALIGN(size, ARCH_KMALLOC_MINALIGN)).</summary>
        public static int ClassSize(int size, int minAlign)
        {
            if (minAlign > MinSize) size = (size + minAlign - 1) & ~(minAlign - 1);
            return SizeOfIndex(IndexOf(size));
        }
    }
}
