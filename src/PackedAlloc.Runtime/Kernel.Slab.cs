using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using PackedAlloc.Runtime.Memory;

namespace PackedAlloc.Runtime
{
    public static partial class Kernel
    {
        /// <summary>
        /// Allocates <paramref name="size"/> bytes (mm/slab_common.c). Objects are aligned to the machine's
        /// <c>ARCH_DMA_MINALIGN</c> unless <c>__GFP_PACKED</c> asks for the small 8-byte-aligned classes. 0 gives
        /// <see cref="ZERO_SIZE_PTR"/>; more than <see cref="KMALLOC_MAX_SIZE"/> gives NULL and a warning.
        /// </summary>
        [OverloadResolutionPriority(1)]
        public static KernelPtr kmalloc(int size, GfpFlags flags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
            => AllocateFor(size, flags, file, line, member);

        /// <summary><c>kmalloc(size, flags | __GFP_ZERO)</c>.</summary>
        [OverloadResolutionPriority(1)]
        public static KernelPtr kzalloc(int size, GfpFlags flags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "") =>
            AllocateFor(size, flags | GfpFlags.__GFP_ZERO, file, line, member);

        /// <summary>Array allocation; NULL when <c>n * size</c> overflows.</summary>
        [OverloadResolutionPriority(1)]
        public static KernelPtr kmalloc_array(int n, int size, GfpFlags flags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            NonNegative(n, nameof(n));
            NonNegative(size, nameof(size));
            long bytes = (long)n * size;
            // check_mul_overflow on size_t: here sizes are int, so anything past int.MaxValue overflows.
            if (bytes > int.MaxValue) return NULL;
            return AllocateFor((int)bytes, flags, file, line, member);
        }

        /// <summary>Zeroed array allocation; NULL when <c>n * size</c> overflows.</summary>
        [OverloadResolutionPriority(1)]
        public static KernelPtr kcalloc(int n, int size, GfpFlags flags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "") =>
            kmalloc_array(n, size, flags | GfpFlags.__GFP_ZERO, file, line, member);

        /// <summary>
        /// Resizes an object, keeping its contents: in place when the size class allows, otherwise by a new
        /// allocation (the old object is freed only on success). Size 0 frees and returns ZERO_SIZE_PTR.
        /// </summary>
        [OverloadResolutionPriority(1)]
        public static KernelPtr krealloc(KernelPtr p, int size, GfpFlags flags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            var machine = MachineOf(p);
            return machine.Slab.Krealloc(p, size, flags, CallerLocation.Capture(machine, file, line, member));
        }

        /// <summary>Allocates <paramref name="len"/> bytes and copies <paramref name="src"/> into them (mm/util.c).</summary>
        [OverloadResolutionPriority(1)]
        public static KernelPtr kmemdup(KernelPtr src, int len, GfpFlags flags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            NonNegative(len, nameof(len));
            KernelPtr p = AllocateFor(len, flags, file, line, member);
            if (!p.IsZeroOrNull) memcpy(p, src, len);
            return p;
        }

        /// <summary>Frees a kmalloc object; NULL and ZERO_SIZE_PTR are ignored. A double or invalid free throws a <see cref="KasanException"/>.</summary>
        [OverloadResolutionPriority(1)]
        public static void kfree(KernelPtr p, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            if (p.IsZeroOrNull) return; // as in the kernel, also with no machine entered
            var machine = MachineOf(p);
            machine.Slab.Kfree(p, CallerLocation.Capture(machine, file, line, member));
        }

        /// <summary>The usable size of the object's bucket (0 for NULL/ZERO_SIZE_PTR).</summary>
        public static int ksize(KernelPtr p) => p.IsZeroOrNull ? 0 : MachineOf(p).Slab.Ksize(p);

        /// <summary><c>kmalloc_size_roundup</c>: the size kmalloc would really hand out for <paramref name="size"/> with <paramref name="flags"/>.</summary>
        public static int kmalloc_size_roundup(int size, GfpFlags flags = GfpFlags.GFP_KERNEL) => M().Slab.SizeRoundup(size, flags);

        /// <summary>Creates a slab cache. <paramref name="align"/> 0 or a power of two; <see cref="SLAB_HWCACHE_ALIGN"/> aligns to the cache line. NULL on bad arguments.</summary>
        public static KmemCache? kmem_cache_create(string name, int size, int align, uint slabFlags) => M().Slab.CacheCreate(name, size, align, slabFlags);

        /// <summary>Allocates one object from <paramref name="cache"/>.</summary>
        [OverloadResolutionPriority(1)]
        public static KernelPtr kmem_cache_alloc(KmemCache cache, GfpFlags flags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            ArgumentNullException.ThrowIfNull(cache);
            return cache.Machine.Slab.CacheAlloc(cache, flags, CallerLocation.Capture(cache.Machine, file, line, member));
        }

        /// <summary>Allocates one zeroed object from <paramref name="cache"/>.</summary>
        [OverloadResolutionPriority(1)]
        public static KernelPtr kmem_cache_zalloc(KmemCache cache, GfpFlags flags, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "") =>
            kmem_cache_alloc(cache, flags | GfpFlags.__GFP_ZERO, file, line, member);

        /// <summary>Returns an object to <paramref name="cache"/>.</summary>
        [OverloadResolutionPriority(1)]
        public static void kmem_cache_free(KmemCache cache, KernelPtr p, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            ArgumentNullException.ThrowIfNull(cache);
            cache.Machine.Slab.CacheFree(cache, p, CallerLocation.Capture(cache.Machine, file, line, member));
        }

        /// <summary>Destroys an empty cache (a cache that still has objects is reported and kept, as the kernel does). NULL is ignored.</summary>
        [OverloadResolutionPriority(1)]
        public static void kmem_cache_destroy(KmemCache? cache, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0, [CallerMemberName] string member = "")
        {
            if (cache is null) return;
            cache.Machine.Slab.CacheDestroy(cache, CallerLocation.Capture(cache.Machine, file, line, member));
        }

        // The same functions without the caller's location, for a delegate (Func<int, GfpFlags, KernelPtr> alloc =
        // kmalloc;): a method group cannot bind optional parameters. A direct call binds the overloads above (they
        // have the higher OverloadResolutionPriority; compilers before C# 13 pick these, and sites are then found by
        // a stack capture, as for every call through a delegate).
        [EditorBrowsable(EditorBrowsableState.Never)] public static KernelPtr kmalloc(int size, GfpFlags flags) => kmalloc(size, flags, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static KernelPtr kzalloc(int size, GfpFlags flags) => kzalloc(size, flags, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static KernelPtr kmalloc_array(int n, int size, GfpFlags flags) => kmalloc_array(n, size, flags, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static KernelPtr kcalloc(int n, int size, GfpFlags flags) => kcalloc(n, size, flags, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static KernelPtr krealloc(KernelPtr p, int size, GfpFlags flags) => krealloc(p, size, flags, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static KernelPtr kmemdup(KernelPtr src, int len, GfpFlags flags) => kmemdup(src, len, flags, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static void kfree(KernelPtr p) => kfree(p, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static KernelPtr kmem_cache_alloc(KmemCache cache, GfpFlags flags) => kmem_cache_alloc(cache, flags, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static KernelPtr kmem_cache_zalloc(KmemCache cache, GfpFlags flags) => kmem_cache_zalloc(cache, flags, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static void kmem_cache_free(KmemCache cache, KernelPtr p) => kmem_cache_free(cache, p, "", 0, "");
        [EditorBrowsable(EditorBrowsableState.Never)] public static void kmem_cache_destroy(KmemCache? cache) => kmem_cache_destroy(cache, "", 0, "");

        /// <summary>kmalloc on the current machine for the Kernel function <paramref name="caller"/>, which an error names when none is entered.</summary>
        private static KernelPtr AllocateFor(int size, GfpFlags flags, string file, int line, string member, [CallerMemberName] string caller = "")
        {
            var machine = M(caller);
            return machine.Slab.Kmalloc(size, flags, CallerLocation.Capture(machine, file, line, member));
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
