using System;

namespace PackedAlloc.Runtime
{
    public static partial class Kernel
    {
        /// <summary>Copies <paramref name="n"/> bytes as the CPU does (through the cache, checked against both objects). Overlap is allowed (memmove).</summary>
        public static KernelPtr memcpy(KernelPtr dst, KernelPtr src, int n)
        {
            NonNegative(n, nameof(n));
            if (n == 0) return dst;
            ReadOnlySpan<byte> from = src.AsReadOnlySpan(n);
            // Copy through a temporary: source and destination may live in different machines or overlap.
            byte[] tmp = from.ToArray();
            tmp.CopyTo(dst.AsSpan(n));
            return dst;
        }

        /// <summary>Fills <paramref name="n"/> bytes with <paramref name="c"/>.</summary>
        public static KernelPtr memset(KernelPtr p, byte c, int n)
        {
            NonNegative(n, nameof(n));
            if (n == 0) return p;
            p.AsSpan(n).Fill(c);
            return p;
        }

        /// <summary>Physical address of a linear-map kernel address.</summary>
        public static PhysAddr virt_to_phys(KernelPtr p) => p.Machine.Memory.VirtToPhys(p);

        /// <summary>Linear-map kernel address of a physical address.</summary>
        public static KernelPtr phys_to_virt(PhysAddr p) => M().Memory.PhysToVirt(p);
    }
}
