using System;

namespace PackedAlloc.Runtime
{
    public static partial class Kernel
    {
        /// <summary>
        /// Allocates <paramref name="size"/> bytes (mm/slab_common.c). Objects are aligned to the machine's
        /// <c>ARCH_DMA_MINALIGN</c> unless <c>__GFP_PACKED</c> asks for the small 8-byte-aligned classes. 0 gives
        /// <see cref="ZERO_SIZE_PTR"/>; more than <see cref="KMALLOC_MAX_SIZE"/> gives NULL and a warning.
        /// </summary>
        public static KernelPtr kmalloc(int size, GfpFlags flags) => M().Slab.Kmalloc(size, flags);

        /// <summary><c>kmalloc(size, flags | __GFP_ZERO)</c>.</summary>
        public static KernelPtr kzalloc(int size, GfpFlags flags) => M().Slab.Kmalloc(size, flags | GfpFlags.__GFP_ZERO);

        /// <summary>Array allocation; NULL when <c>n * size</c> overflows.</summary>
        public static KernelPtr kmalloc_array(int n, int size, GfpFlags flags)
        {
            NonNegative(n, nameof(n));
            NonNegative(size, nameof(size));
            long bytes = (long)n * size;
            // check_mul_overflow on size_t: here sizes are int, so anything past int.MaxValue overflows.
            if (bytes > int.MaxValue) return NULL;
            return M().Slab.Kmalloc((int)bytes, flags);
        }

        /// <summary>Zeroed array allocation; NULL when <c>n * size</c> overflows.</summary>
        public static KernelPtr kcalloc(int n, int size, GfpFlags flags) => kmalloc_array(n, size, flags | GfpFlags.__GFP_ZERO);

        /// <summary>
        /// Resizes an object, keeping its contents: in place when the size class allows, otherwise by a new
        /// allocation (the old object is freed only on success). Size 0 frees and returns ZERO_SIZE_PTR.
        /// </summary>
        public static KernelPtr krealloc(KernelPtr p, int size, GfpFlags flags) => MachineOf(p).Slab.Krealloc(p, size, flags);

        /// <summary>Allocates <paramref name="len"/> bytes and copies <paramref name="src"/> into them (mm/util.c).</summary>
        public static KernelPtr kmemdup(KernelPtr src, int len, GfpFlags flags)
        {
            NonNegative(len, nameof(len));
            KernelPtr p = M().Slab.Kmalloc(len, flags);
            if (!p.IsZeroOrNull) memcpy(p, src, len);
            return p;
        }

        /// <summary>Frees a kmalloc object; NULL and ZERO_SIZE_PTR are ignored. A double or invalid free throws a <see cref="KasanException"/>.</summary>
        public static void kfree(KernelPtr p)
        {
            if (p.IsZeroOrNull) return; // as in the kernel, also with no machine entered
            MachineOf(p).Slab.Kfree(p);
        }

        /// <summary>The usable size of the object's bucket (0 for NULL/ZERO_SIZE_PTR).</summary>
        public static int ksize(KernelPtr p) => p.IsZeroOrNull ? 0 : MachineOf(p).Slab.Ksize(p);

        /// <summary><c>kmalloc_size_roundup</c>: the size kmalloc would really hand out for <paramref name="size"/> with <paramref name="flags"/>.</summary>
        public static int kmalloc_size_roundup(int size, GfpFlags flags = GfpFlags.GFP_KERNEL) => M().Slab.SizeRoundup(size, flags);

        /// <summary>Creates a slab cache. <paramref name="align"/> 0 or a power of two; <see cref="SLAB_HWCACHE_ALIGN"/> aligns to the cache line. NULL on bad arguments.</summary>
        public static KmemCache? kmem_cache_create(string name, int size, int align, uint slabFlags) => M().Slab.CacheCreate(name, size, align, slabFlags);

        /// <summary>Allocates one object from <paramref name="cache"/>.</summary>
        public static KernelPtr kmem_cache_alloc(KmemCache cache, GfpFlags flags)
        {
            ArgumentNullException.ThrowIfNull(cache);
            return cache.Machine.Slab.CacheAlloc(cache, flags);
        }

        /// <summary>Allocates one zeroed object from <paramref name="cache"/>.</summary>
        public static KernelPtr kmem_cache_zalloc(KmemCache cache, GfpFlags flags) => kmem_cache_alloc(cache, flags | GfpFlags.__GFP_ZERO);

        /// <summary>Returns an object to <paramref name="cache"/>.</summary>
        public static void kmem_cache_free(KmemCache cache, KernelPtr p)
        {
            ArgumentNullException.ThrowIfNull(cache);
            cache.Machine.Slab.CacheFree(cache, p);
        }

        /// <summary>Destroys an empty cache (a cache that still has objects is reported and kept, as the kernel does). NULL is ignored.</summary>
        public static void kmem_cache_destroy(KmemCache? cache)
        {
            if (cache is null) return;
            cache.Machine.Slab.CacheDestroy(cache);
        }

        /// <summary>
        /// The machine a pointer belongs to (the current one for pointers that do not know, such as NULL). Machines
        /// share a deterministic layout, so acting on the current machine would free or resize another machine's
        /// object at the same address.
        /// </summary>
        private static Machine MachineOf(KernelPtr p, [System.Runtime.CompilerServices.CallerMemberName] string caller = "") => p.OwnerMachine ?? M(caller);

        internal static void NonNegative(int value, string name)
        {
            if (value < 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative.");
        }
    }
}
