using System;
using System.IO;
using System.Linq;
using PackedAlloc.Runtime;

namespace PackedAlloc.Runtime.Tests
{
    internal static class TestUtil
    {
        /// <summary>
        /// A small machine for tests: 8 GiB sparse RAM, a 4 MiB swiotlb unless told otherwise. Its kernel log goes to
        /// <paramref name="log"/>, by default nowhere (tests read <see cref="Machine.DebugReports"/>; KernelLogTests
        /// test the log itself).
        /// </summary>
        public static Machine Boot(long swiotlb = 4L << 20, bool kmallocBounce = false, bool dmaDebug = true, bool dynamic = false,
            PartialLineInvalidate partial = PartialLineInvalidate.CleanAndInvalidate, int lineSize = 64, int dmaMinAlign = 128, long memory = 8L << 30,
            TextWriter? log = null)
            => Machine.Boot(new MachineOptions
            {
                SwiotlbBytes = swiotlb,
                KmallocBounce = kmallocBounce,
                DmaDebug = dmaDebug,
                SwiotlbDynamic = dynamic,
                PartialLineInvalidate = partial,
                CacheLineSize = lineSize,
                DmaMinAlign = dmaMinAlign,
                MemoryBytes = memory,
                Log = log ?? TextWriter.Null,
            });

        /// <summary>
        /// How many random cases a property test samples: <paramref name="inCi"/>, or PACKEDALLOC_PROPERTY_ITERATIONS
        /// for a larger run (<c>PACKEDALLOC_PROPERTY_ITERATIONS=5000 dotnet test tests/PackedAlloc.Runtime.Tests --filter PropertyTests</c>).
        /// </summary>
        public static int Iterations(int inCi) => Setting("PACKEDALLOC_PROPERTY_ITERATIONS", inCi);

        /// <summary>A positive number from the environment variable <paramref name="name"/>, else <paramref name="fallback"/>: the size of a larger run.</summary>
        public static int Setting(string name, int fallback) =>
            int.TryParse(Environment.GetEnvironmentVariable(name), out int value) && value > 0 ? value : fallback;

        public static byte[] Pattern(int n, byte seed) => Enumerable.Range(0, n).Select(i => (byte)(seed + i * 7)).ToArray();

        public static bool HasReport(Machine m, string text) => m.DebugReports.Any(r => r.Message.Contains(text, StringComparison.Ordinal));
    }
}
