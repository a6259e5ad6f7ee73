using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace PackedAlloc.Benchmarks
{
    /// <summary>Synthetic sources for the analyzer benchmark: realistic drivers and the shapes that hurt dataflow analyzers.</summary>
    public static class Workloads
    {
        public const string Usings = "using System;\nusing System.Collections.Generic;\nusing PackedAlloc.Runtime;\nusing static PackedAlloc.Runtime.Kernel;\n";

        /// <summary>
        /// How many PA0001 each scenario must report, so a benchmark that silently stopped finding anything (and got
        /// cheaper for it) fails instead: two per driver file (a packed ring slot mapped FROM_DEVICE, and the same
        /// slot in a BIDIRECTIONAL scatterlist), one for the chain, and for the recursive ring each of the 300
        /// mappings sees the allocations of the 8 methods before it (the default call depth). Null: not pinned.
        /// </summary>
        public static int? ExpectedPa0001(string scenario) => scenario switch
        {
            "Drivers" => 120,
            "LongCallChain" => 1,
            "Recursion" => 2400,
            "HugeMethod" => 0,
            _ => null,
        };

        /// <summary>
        /// How many PA0003 each scenario must report: one per driver file (a mapping synced before its check); the
        /// driver's other mappings are checked (directly, by a helper that returns the mapping checked, or thrown away).
        /// </summary>
        public static int? ExpectedPa0003(string scenario) => scenario switch
        {
            "Drivers" => 60,
            "LongCallChain" => 0,
            "Recursion" => 0,
            "HugeMethod" => 0,
            _ => null,
        };

        /// <summary>
        /// How many PA0007 each scenario must report: four per driver file (the mapping of a ring slot, the helper's
        /// mapping and the pending buffers' mappings are never unmapped, and one unmap has another size than its
        /// mapping); each of the recursive ring's 300 mappings is never unmapped.
        /// </summary>
        public static int? ExpectedPa0007(string scenario) => scenario switch
        {
            "Drivers" => 240,
            "LongCallChain" => 1,
            "Recursion" => 300,
            "HugeMethod" => 0,
            _ => null,
        };

        /// <summary>How many PA0004 each scenario must report: one per driver file (a GFP_KERNEL allocation under the ring's spinlock).</summary>
        public static int? ExpectedPa0004(string scenario) => scenario switch
        {
            "Drivers" => 60,
            "LongCallChain" => 0,
            "Recursion" => 0,
            "HugeMethod" => 0,
            _ => null,
        };

        /// <summary>How many PA0005 each scenario must report: one per driver file (flags chosen by in_atomic() in Fill).</summary>
        public static int? ExpectedPa0005(string scenario) => scenario switch
        {
            "Drivers" => 60,
            "LongCallChain" => 0,
            "Recursion" => 0,
            "HugeMethod" => 0,
            _ => null,
        };

        /// <summary>How many PA0006 each scenario must report: one per driver file (the CPU clears a scratch buffer the device owns).</summary>
        public static int? ExpectedPa0006(string scenario) => scenario switch
        {
            "Drivers" => 60,
            "LongCallChain" => 0,
            "Recursion" => 0,
            "HugeMethod" => 0,
            _ => null,
        };

        /// <summary>Whether the diagnostics are the ones the scenario must report (and the analyzer did not fail).</summary>
        public static bool AsExpected(string scenario, IReadOnlyCollection<Microsoft.CodeAnalysis.Diagnostic> diagnostics) =>
            (ExpectedPa0001(scenario) is not int pa0001 || pa0001 == diagnostics.Count(d => d.Id == "PA0001"))
            && (ExpectedPa0003(scenario) is not int pa0003 || pa0003 == diagnostics.Count(d => d.Id == "PA0003"))
            && (ExpectedPa0004(scenario) is not int pa0004 || pa0004 == diagnostics.Count(d => d.Id == "PA0004"))
            && (ExpectedPa0005(scenario) is not int pa0005 || pa0005 == diagnostics.Count(d => d.Id == "PA0005"))
            && (ExpectedPa0006(scenario) is not int pa0006 || pa0006 == diagnostics.Count(d => d.Id == "PA0006"))
            && (ExpectedPa0007(scenario) is not int pa0007 || pa0007 == diagnostics.Count(d => d.Id == "PA0007"))
            && !diagnostics.Any(d => d.Id == "AD0001");

        public static IReadOnlyList<string> Create(string scenario) => scenario switch
        {
            "Drivers" => Drivers(60),
            "ManyDrivers" => Drivers(600),
            "LongCallChain" => new[] { LongCallChain(1000) },
            "Recursion" => new[] { Recursion(300) },
            "BrokenCode" => Broken(60),
            "HugeMethod" => new[] { HugeMethod(4000) },
            _ => throw new System.ArgumentException("unknown scenario " + scenario),
        };

        /// <summary>Files of kernel-style drivers: wrappers, fields, rings, scatterlists, guards, both safe and unsafe.</summary>
        private static IReadOnlyList<string> Drivers(int files)
        {
            var result = new List<string>();
            for (int f = 0; f < files; f++)
            {
                result.Add(Usings + $@"
namespace Drivers{f}
{{
    class Ring{f}
    {{
        private readonly KernelPtr[] _slots = new KernelPtr[16];
        private readonly List<KernelPtr> _pending = new List<KernelPtr>();
        private readonly Device _dev;
        private GfpFlags _flags = GFP_KERNEL;

        public Ring{f}(Device dev, bool small) {{ _dev = dev; if (small) _flags |= __GFP_PACKED; }}

        KernelPtr Alloc(int size) => kmalloc(size, _flags);
        KernelPtr AllocSafe(int size) => kzalloc(size, GFP_KERNEL);

        public void Fill()
        {{
            for (int i = 0; i < _slots.Length; i++)
                _slots[i] = i % 2 == 0 ? Alloc(64) : AllocSafe(64);
            _pending.Add(Alloc(24));
            _pending.Add(kmalloc(16, in_atomic() ? GFP_ATOMIC : GFP_KERNEL));
        }}

        DmaAddr Map(KernelPtr p, int n, DmaDirection dir) =>
            dma_kmalloc_needs_bounce(_dev, n, dir) ? swiotlb_map(_dev, virt_to_phys(p), n, dir, 0) : dma_map_single(_dev, p, n, dir);

        public void Receive(int slot)
        {{
            var addr = dma_map_single(_dev, _slots[slot], 64, DMA_FROM_DEVICE);
            if (dma_mapping_error(_dev, addr)) return;
            Map(_pending[0], 24, DMA_FROM_DEVICE);
            foreach (var p in _pending)
                dma_map_single(_dev, p, 24, DMA_TO_DEVICE);
            var sgl = new ScatterList[2];
            sg_init_table(sgl, 2);
            sg_set_buf(sgl[0], _slots[0], 64);
            sg_set_buf(sgl[1], AllocSafe(512), 512);
            dma_map_sg(_dev, sgl, 2, DMA_BIDIRECTIONAL);
            KernelPtr scratch = kzalloc(128, GFP_KERNEL);
            var rx = dma_map_single(_dev, scratch, 128, DMA_FROM_DEVICE);
            if (dma_mapping_error(_dev, rx)) return;
            scratch.AsSpan(8).Clear();
            dma_unmap_single(_dev, rx, 128, DMA_FROM_DEVICE);
            var tx = dma_map_single(_dev, _slots[1], 64, DMA_TO_DEVICE);
            dma_sync_single_for_device(_dev, tx, 64, DMA_TO_DEVICE);
            if (dma_mapping_error(_dev, tx)) return;
            dma_unmap_single(_dev, tx, 32, DMA_TO_DEVICE);
            _tx = MapChecked(AllocSafe(256), 256);
        }}

        private DmaAddr _tx;

        DmaAddr MapChecked(KernelPtr p, int n)
        {{
            var addr = dma_map_single(_dev, p, n, DMA_TO_DEVICE);
            return dma_mapping_error(_dev, addr) ? DMA_MAPPING_ERROR : addr;
        }}

        public void Complete() => dma_unmap_single(_dev, _tx, 256, DMA_TO_DEVICE);

        private readonly Spinlock _lock = new Spinlock();

        public void Grow()
        {{
            spin_lock(_lock);
            _pending.Add(kmalloc(32, GFP_KERNEL));
            _pending.Add(kmalloc(32, GFP_ATOMIC));
            spin_unlock(_lock);
        }}
    }}
}}");
            }

            return result;
        }

        private static string LongCallChain(int length)
        {
            var source = new StringBuilder(Usings + "static class Chain {\n");
            for (int i = 0; i < length; i++)
            {
                source.Append($"    static KernelPtr F{i}(KernelPtr p, int n) => F{i + 1}(p + 1, n);\n");
            }

            source.Append($"    static KernelPtr F{length}(KernelPtr p, int n) => p;\n");
            source.Append("    static void Receive(Device dev) => dma_map_single(dev, F0(kmalloc(24, GFP_KERNEL | __GFP_PACKED), 3), 24, DMA_FROM_DEVICE);\n}\n");
            return source.ToString();
        }

        private static string Recursion(int ring)
        {
            var source = new StringBuilder(Usings + "class Rec {\n");
            for (int i = 0; i < ring; i++)
            {
                int next = (i + 1) % ring;
                source.Append($"    KernelPtr R{i}(Device dev, KernelPtr p, int n) {{ if (n <= 0) {{ dma_map_single(dev, p, 24, DMA_FROM_DEVICE); return p; }} var q = n % 3 == 0 ? kmalloc(24, GFP_KERNEL | __GFP_PACKED) : p; return R{next}(dev, q, n - 1); }}\n");
            }

            source.Append("}\n");
            return source.ToString();
        }

        private static IReadOnlyList<string> Broken(int files)
        {
            var result = new List<string>();
            foreach (var source in Drivers(files))
            {
                // Cut every tenth line short and drop some braces: code as it looks mid-edit in an IDE.
                var lines = source.Split('\n');
                for (int i = 5; i < lines.Length; i += 10)
                {
                    lines[i] = lines[i].Length > 8 ? lines[i].Substring(0, lines[i].Length / 2) : lines[i];
                }

                result.Add(string.Join("\n", lines).Replace("};", "").Replace("))", ")"));
            }

            return result;
        }

        private static string HugeMethod(int statements)
        {
            var source = new StringBuilder(Usings + "class Huge {\n    void Run(Device dev, bool[] c) {\n        GfpFlags flags = GFP_KERNEL;\n        KernelPtr p = kmalloc(512, GFP_KERNEL);\n");
            for (int i = 0; i < statements; i++)
            {
                source.Append((i % 4) switch
                {
                    0 => $"        if (c[{i % 7}]) flags |= __GFP_PACKED;\n",
                    1 => $"        p = c[{i % 5}] ? kmalloc({8 + (i % 200)}, flags) : p + 8;\n",
                    2 => $"        for (int i{i} = 0; i{i} < 3; i{i}++) p = p + 1;\n",
                    _ => "        dma_map_single(dev, p, 24, DMA_FROM_DEVICE);\n",
                });
            }

            source.Append("    }\n}\n");
            return source.ToString();
        }
    }
}
