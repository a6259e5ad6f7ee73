using System.Threading;

namespace PackedAlloc.Runtime
{
    /// <summary>A high-water mark kept without a lock: raise it to a value if the value is higher.</summary>
    internal static class AtomicMax
    {
        public static void Raise(ref long mark, long value)
        {
            long seen;
            while (value > (seen = Volatile.Read(ref mark)) && Interlocked.CompareExchange(ref mark, value, seen) != seen) { }
        }
    }
}
