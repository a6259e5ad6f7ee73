using System;
using System.Buffers;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace PackedAlloc.Benchmarks
{
    /// <summary>
    /// The emulation's fast path as users' driver tests run it (issue 15): <c>kmalloc</c>+<c>kfree</c> against the
    /// platform's allocators of the same size. Read the Ratio and Allocated columns:
    /// <c>dotnet run -c Release --project bench/PackedAlloc.Benchmarks -- --filter '*KmallocBenchmarks*' --job short</c>.
    /// </summary>
    [MemoryDiagnoser]
    public class KmallocBenchmarks
    {
        private IDisposable? _entered;

        [Params(64)]
        public int Size { get; set; }

        /// <summary>The machine's <see cref="MachineOptions.TrackAllocationSites"/> (on by default).</summary>
        [Params(true, false)]
        public bool Sites { get; set; }

        [GlobalSetup]
        public void Setup() =>
            _entered = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, TrackAllocationSites = Sites }).Enter();

        [GlobalCleanup]
        public void Cleanup() => _entered?.Dispose();

        [Benchmark(Baseline = true)]
        public unsafe void AlignedAllocFree()
        {
            void* p = NativeMemory.AlignedAlloc((nuint)Size, 128);
            NativeMemory.AlignedFree(p);
        }

        [Benchmark]
        public void ArrayPoolRentReturn() => ArrayPool<byte>.Shared.Return(ArrayPool<byte>.Shared.Rent(Size));

        [Benchmark]
        public void KmallocKfree() => kfree(kmalloc(Size, GFP_KERNEL));
    }

    /// <summary>
    /// A streaming mapping, its error check and its unmap, as a careful driver makes them, direct (coherent, and
    /// non-coherent with its cache maintenance) and bounced through the swiotlb, against the copies a bounce must
    /// make (two copies of the size). dma-debug is on, as by default.
    /// </summary>
    [MemoryDiagnoser]
    public class MappingBenchmarks
    {
        private Machine _machine = null!;
        private Device _coherent = null!;
        private Device _nonCoherent = null!;
        private KernelPtr _buffer;
        private byte[] _from = null!;
        private byte[] _to = null!;

        [Params(64, 4096, 65536)]
        public int Size { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            _machine = Machine.Boot(new MachineOptions { Log = System.IO.TextWriter.Null, TrackAllocationSites = false });
            _coherent = _machine.CreateDevice("coherent", coherent: true);
            _nonCoherent = _machine.CreateDevice("noncoherent", coherent: false);
            using (_machine.Enter())
            {
                _buffer = kmalloc(Size, GFP_KERNEL);
            }

            _from = new byte[Size];
            _to = new byte[Size];
        }

        [Benchmark(Baseline = true)]
        public void TwoCopies()
        {
            _from.AsSpan().CopyTo(_to);
            _to.AsSpan().CopyTo(_from);
        }

        [Benchmark]
        public void DirectMapUnmap_Coherent()
        {
            var addr = dma_map_single(_coherent, _buffer, Size, DMA_FROM_DEVICE);
            if (dma_mapping_error(_coherent, addr)) throw new InvalidOperationException("mapping failed");
            dma_unmap_single(_coherent, addr, Size, DMA_FROM_DEVICE);
        }

        [Benchmark]
        public void DirectMapUnmap_NonCoherent()
        {
            var addr = dma_map_single(_nonCoherent, _buffer, Size, DMA_FROM_DEVICE);
            if (dma_mapping_error(_nonCoherent, addr)) throw new InvalidOperationException("mapping failed");
            dma_unmap_single(_nonCoherent, addr, Size, DMA_FROM_DEVICE);
        }

        [Benchmark]
        public void SwiotlbMapUnmap()
        {
            var addr = swiotlb_map(_nonCoherent, virt_to_phys(_buffer), Size, DMA_BIDIRECTIONAL, DmaAttrs.None);
            if (dma_mapping_error(_nonCoherent, addr)) throw new InvalidOperationException("mapping failed");
            dma_unmap_single(_nonCoherent, addr, Size, DMA_BIDIRECTIONAL);
        }
    }
}
