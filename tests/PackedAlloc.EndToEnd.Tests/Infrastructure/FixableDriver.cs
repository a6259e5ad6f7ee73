using System;
using System.Collections.Generic;

namespace PackedAlloc.EndToEnd.Tests.Infrastructure
{
    /// <summary>
    /// A driver for the code-fix tests: three PA0001 hazards, one of each kind the fixes handle, and one safe mapping
    /// that no fix may touch.
    /// <list type="bullet">
    /// <item><c>Receive</c>: <c>GFP_KERNEL | __GFP_PACKED</c> written in the allocation, mapped DMA_FROM_DEVICE;</item>
    /// <item><c>Status</c>: a flags local that an <c>if</c> makes packed with <c>flags |= __GFP_PACKED;</c>, mapped DMA_BIDIRECTIONAL;</item>
    /// <item><c>Command</c>: the packed allocation is in another file (<see cref="BuffersFile"/>), mapped DMA_FROM_DEVICE;</item>
    /// <item><c>Transmit</c>: packed but mapped DMA_TO_DEVICE, which is safe: no PA0001, and it must stay as it is.</item>
    /// </list>
    /// Every mapping's arguments are names and constants, so all three fixes are offered on every PA0001.
    /// </summary>
    public static class FixableDriver
    {
        public const string DriverFile = "Driver.cs";
        public const string BuffersFile = "Buffers.cs";

        public const string Driver =
@"using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace Consumer
{
    public static class Driver
    {
        public static DmaAddr Receive(Device dev)
        {
            KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED); // rx buffer
            return dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
        }

        public static DmaAddr Status(Device dev, bool small)
        {
            GfpFlags flags = GFP_KERNEL;
            if (small)
                flags |= __GFP_PACKED;
            KernelPtr status = kmalloc(16, flags);
            return dma_map_single(dev, status, 16, DMA_BIDIRECTIONAL);
        }

        public static DmaAddr Command(Device dev)
        {
            KernelPtr cmd = Buffers.AllocCommand();
            return dma_map_single(dev, cmd, 32, DMA_FROM_DEVICE);
        }

        public static DmaAddr Transmit(Device dev)
        {
            // DMA_TO_DEVICE only cleans cache lines: a packed buffer is safe here.
            KernelPtr tx = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
            return dma_map_single(dev, tx, 24, DMA_TO_DEVICE);
        }
    }
}
";

        public const string Buffers =
@"using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace Consumer
{
    internal static class Buffers
    {
        /// <summary>The command buffer, allocated here and mapped in Driver.Command.</summary>
        public static KernelPtr AllocCommand() => kzalloc(32, GFP_KERNEL | __GFP_PACKED);
    }
}
";

        public static IReadOnlyDictionary<string, string> Sources => new Dictionary<string, string>
        {
            [DriverFile] = Driver,
            [BuffersFile] = Buffers,
        };

        /// <summary>The (file, line) of each PA0001 in the original driver: the mapped argument of each unsafe mapping.</summary>
        public static IReadOnlyList<(string File, int Line)> Hazards { get; } = new[]
        {
            (DriverFile, LineOf(Driver, "return dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);")),
            (DriverFile, LineOf(Driver, "return dma_map_single(dev, status, 16, DMA_BIDIRECTIONAL);")),
            (DriverFile, LineOf(Driver, "return dma_map_single(dev, cmd, 32, DMA_FROM_DEVICE);")),
        };

        /// <summary>Fix 1, on every PA0001: <c>__GFP_PACKED</c> removed where it was written, in both files.</summary>
        public static IReadOnlyDictionary<string, string> RemovePackedFlag => new Dictionary<string, string>
        {
            [DriverFile] = Edit(Driver,
                ("KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED); // rx buffer", "KernelPtr buf = kmalloc(24, GFP_KERNEL); // rx buffer"),
                ("            if (small)\r\n                flags |= __GFP_PACKED;\r\n", "")),
            [BuffersFile] = Edit(Buffers,
                ("kzalloc(32, GFP_KERNEL | __GFP_PACKED)", "kzalloc(32, GFP_KERNEL)")),
        };

        /// <summary>Fix 2, on every PA0001: each unsafe mapping goes through the swiotlb; Buffers.cs is untouched.</summary>
        public static IReadOnlyDictionary<string, string> MapThroughSwiotlb => new Dictionary<string, string>
        {
            [DriverFile] = Edit(Driver,
                ("dma_map_single(dev, buf, 24, DMA_FROM_DEVICE)", "swiotlb_map(dev, virt_to_phys(buf), 24, DMA_FROM_DEVICE, 0)"),
                ("dma_map_single(dev, status, 16, DMA_BIDIRECTIONAL)", "swiotlb_map(dev, virt_to_phys(status), 16, DMA_BIDIRECTIONAL, 0)"),
                ("dma_map_single(dev, cmd, 32, DMA_FROM_DEVICE)", "swiotlb_map(dev, virt_to_phys(cmd), 32, DMA_FROM_DEVICE, 0)")),
            [BuffersFile] = Buffers,
        };

        /// <summary>
        /// Fix 3, on every PA0001: each unsafe mapping bounces only when needed. The fix writes the conditional in
        /// parentheses marked for simplification; in a return statement they are not needed and go.
        /// </summary>
        public static IReadOnlyDictionary<string, string> BounceWhenNeeded => new Dictionary<string, string>
        {
            [DriverFile] = Edit(Driver,
                ("dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);",
                 "dma_kmalloc_needs_bounce(dev, 24, DMA_FROM_DEVICE) ? swiotlb_map(dev, virt_to_phys(buf), 24, DMA_FROM_DEVICE, 0) : dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);"),
                ("dma_map_single(dev, status, 16, DMA_BIDIRECTIONAL);",
                 "dma_kmalloc_needs_bounce(dev, 16, DMA_BIDIRECTIONAL) ? swiotlb_map(dev, virt_to_phys(status), 16, DMA_BIDIRECTIONAL, 0) : dma_map_single(dev, status, 16, DMA_BIDIRECTIONAL);"),
                ("dma_map_single(dev, cmd, 32, DMA_FROM_DEVICE);",
                 "dma_kmalloc_needs_bounce(dev, 32, DMA_FROM_DEVICE) ? swiotlb_map(dev, virt_to_phys(cmd), 32, DMA_FROM_DEVICE, 0) : dma_map_single(dev, cmd, 32, DMA_FROM_DEVICE);")),
            [BuffersFile] = Buffers,
        };

        /// <summary>Line endings as the files are written on this machine; the verbatim sources above use the source file's.</summary>
        public static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

        private static string Edit(string source, params (string Old, string New)[] edits)
        {
            var text = Normalize(source);
            foreach (var (old, @new) in edits)
            {
                var o = Normalize(old);
                int at = text.IndexOf(o, StringComparison.Ordinal);
                if (at < 0 || text.IndexOf(o, at + 1, StringComparison.Ordinal) >= 0)
                    throw new InvalidOperationException($"'{old}' must occur exactly once in the driver");
                text = text.Substring(0, at) + Normalize(@new) + text.Substring(at + o.Length);
            }

            return text;
        }

        private static int LineOf(string source, string text)
        {
            var normalized = Normalize(source);
            int at = normalized.IndexOf(text, StringComparison.Ordinal);
            if (at < 0) throw new InvalidOperationException($"'{text}' is not in the driver");
            return normalized.Substring(0, at).Split('\n').Length;
        }
    }
}
