using System;

namespace PackedAlloc.EndToEnd.Tests.Infrastructure
{
    /// <summary>
    /// The consumers' driver: one packed buffer that reaches a DMA_FROM_DEVICE mapping (PA0001 on <c>buf</c>)
    /// and one that is only mapped DMA_TO_DEVICE, which is safe and must stay silent.
    /// </summary>
    public static class UartDriver
    {
        public const string FileName = "Uart.cs";

        public const string Source =
@"using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace Consumer
{
    public static class Uart
    {
        public static DmaAddr Receive(Device dev)
        {
            KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
            return dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
        }

        public static DmaAddr Transmit(Device dev)
        {
            // DMA_TO_DEVICE only cleans cache lines: a packed buffer is safe here.
            KernelPtr cmd = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
            return dma_map_single(dev, cmd, 24, DMA_TO_DEVICE);
        }
    }
}
";

        private const string ReceiveAllocation = "KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED);";
        private const string ReceiveMapping = "dma_map_single(dev, buf, 24, DMA_FROM_DEVICE)";

        /// <summary>Where PA0001 belongs: the mapped argument <c>buf</c>.</summary>
        public static SourceSpot MappedArgument => Find(ReceiveMapping, "buf");

        /// <summary>First additional location: the allocation call.</summary>
        public static SourceSpot Allocation => Find(ReceiveAllocation, "kmalloc(24, GFP_KERNEL | __GFP_PACKED)");

        /// <summary>Second additional location: where __GFP_PACKED was written.</summary>
        public static SourceSpot FlagSite => Find(ReceiveAllocation, "__GFP_PACKED");

        /// <summary>Lines of the Receive method (additional locations, the route included, stay inside it).</summary>
        public static (int First, int Last) ReceiveLines =>
            (Find("public static DmaAddr Receive", "public").Line, Find(ReceiveMapping, ReceiveMapping).Line + 1);

        private static SourceSpot Find(string context, string target)
        {
            var contextStart = Source.IndexOf(context, StringComparison.Ordinal);
            if (contextStart < 0 || Source.IndexOf(context, contextStart + 1, StringComparison.Ordinal) >= 0)
                throw new InvalidOperationException($"'{context}' must occur exactly once in the driver");
            var offset = Source.IndexOf(target, contextStart, StringComparison.Ordinal);
            var before = Source.Substring(0, offset);
            var line = before.Split('\n').Length;
            var column = offset - (before.LastIndexOf('\n') + 1) + 1;
            return new SourceSpot(offset, target.Length, line, column);
        }
    }

    /// <summary>A place in the driver: 0-based character span and 1-based line and column of its start.</summary>
    public readonly record struct SourceSpot(int Start, int Length, int Line, int Column)
    {
        public int End => Start + Length;
    }
}
