using System.Threading;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// A statistics counter that threads add to on every DMA call without meeting: one cell per emulated CPU (a thread,
    /// <see cref="CpuContext.Cpu"/>), each on a host cache line of its own, summed when read. One shared counter added
    /// to by every mapping made two threads map no faster than one.
    /// </summary>
    internal sealed class StripedCounter
    {
        private const int Cells = 16;
        private const int Stride = 16; // 128 bytes between cells: two host cache lines, which the adjacent-line prefetcher pairs
        private readonly long[] _cells = new long[Cells * Stride];

        public void Add(long n) => Interlocked.Add(ref _cells[(CpuContext.Current.Cpu & (Cells - 1)) * Stride], n);

        public void Increment() => Add(1);

        /// <summary>The sum of the cells (exact once the threads adding have stopped).</summary>
        public long Value
        {
            get
            {
                long sum = 0;
                for (int i = 0; i < Cells; i++) sum += Volatile.Read(ref _cells[i * Stride]);
                return sum;
            }
        }
    }
}
