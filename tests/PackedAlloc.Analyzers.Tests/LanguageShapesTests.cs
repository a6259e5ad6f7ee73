using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// Shapes of the language a packed buffer must be followed through (issue 10, families 8–10): a Kernel API
    /// function taken as a method group, variables bound inside nested patterns, positional record structs. Each
    /// both ways: the packed buffer warns, a safe one taking the same route does not.
    /// </summary>
    public class LanguageShapesTests
    {
        [Theory]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        [InlineData("GFP_KERNEL", false)]
        public Task KernelFunctionAsAMethodGroup_ActsAsTheFunction(string flags, bool warns) => Verify.Analyzer($@"
using System;

class Driver
{{
    void Run(Device dev)
    {{
        Func<int, GfpFlags, KernelPtr> alloc = kmalloc;
        var buf = alloc(24, {flags});
        dma_map_single(dev, {(warns ? "{|#0:buf|}" : "buf")}, 24, DMA_FROM_DEVICE);
    }}
}}", Verify.DiagnosticIf(warns));

        private const string Command = @"
sealed class Command
{
    public int Len { get; set; }
    public KernelPtr Buf { get; set; }
}";

        [Theory]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        [InlineData("GFP_KERNEL", false)]
        public Task VariableBoundInAPropertyPattern_ReceivesTheValue(string flags, bool warns) => Verify.Analyzer(Command + $@"
class Driver
{{
    void Run(Device dev)
    {{
        var cmd = new Command {{ Len = 24, Buf = kmalloc(24, {flags}) }};
        if (cmd is {{ Len: > 0, Buf: var buf }})
        {{
            dma_map_single(dev, {(warns ? "{|#0:buf|}" : "buf")}, 24, DMA_FROM_DEVICE);
        }}
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        [InlineData("GFP_KERNEL", false)]
        public Task VariableBoundInASwitchArmPattern_ReceivesTheValue(string flags, bool warns) => Verify.Analyzer(Command + $@"
class Driver
{{
    DmaAddr Run(Device dev)
    {{
        var cmd = new Command {{ Len = 24, Buf = kmalloc(24, {flags}) }};
        return cmd switch
        {{
            {{ Len: 0 }} => default,
            {{ Buf: var buf }} => dma_map_single(dev, {(warns ? "{|#0:buf|}" : "buf")}, 24, DMA_FROM_DEVICE),
        }};
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        [InlineData("GFP_KERNEL", false)]
        public Task VariableBoundInAPositionalPattern_ReceivesTheValue(string flags, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Run(Device dev)
    {{
        var pair = (24, kmalloc(24, {flags}));
        if (pair is (> 0, var buf))
        {{
            dma_map_single(dev, {(warns ? "{|#0:buf|}" : "buf")}, 24, DMA_FROM_DEVICE);
        }}
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        [InlineData("GFP_KERNEL", false)]
        public Task BufferInAPositionalRecordStruct_IsFollowed(string flags, bool warns) => Verify.Analyzer($@"
readonly record struct Transfer(KernelPtr Buf, int Len);

class Driver
{{
    void Run(Device dev)
    {{
        var transfer = new Transfer(kmalloc(24, {flags}), 24);
        dma_map_single(dev, {(warns ? "{|#0:transfer.Buf|}" : "transfer.Buf")}, transfer.Len, DMA_FROM_DEVICE);
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        [InlineData("GFP_KERNEL", false)]
        public Task PositionalRecordStruct_DeconstructedPassedAndCopied_IsFollowed(string flags, bool warns) => Verify.Analyzer($@"
record struct Transfer(KernelPtr Buf, int Len);

static class Io
{{
    public static Transfer Make(int len) => new Transfer(kmalloc(len, {flags}), len);
    public static void Map(Device dev, Transfer t) => dma_map_single(dev, {(warns ? "{|#0:t.Buf|}" : "t.Buf")}, t.Len, DMA_FROM_DEVICE);
}}

class Driver
{{
    void Run(Device dev)
    {{
        var transfer = Io.Make(24);
        var (buf, len) = transfer;
        dma_map_single(dev, {(warns ? "{|#1:buf|}" : "buf")}, len, DMA_FROM_DEVICE);
        var copy = transfer with {{ Len = 24 }};
        Io.Map(dev, copy);
    }}
}}", warns ? new[] { Verify.Diagnostic(0), Verify.Diagnostic(1) } : System.Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>());
    }
}
