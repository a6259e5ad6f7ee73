using System.Linq;
using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// A bool tested more than once is the same at every test until it is assigned again (issue 10 family 7): the
    /// states where it was true and where it was false are kept apart from its first test on. Each both ways: the
    /// mapping on the side where the buffer is not packed is silent, on the side where it is, it warns.
    /// </summary>
    public class CorrelatedBooleansTests
    {
        [Theory]
        [InlineData("!pack", false)]
        [InlineData("pack", true)]
        public Task FlagChosenByAParameter_AndMappingUnderTheSameParameter(string condition, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Run(Device dev, bool pack)
    {{
        var flags = pack ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL;
        var p = kmalloc(24, flags);
        if ({condition})
        {{
            dma_map_single(dev, {(warns ? "{|#0:p|}" : "p")}, 24, DMA_FROM_DEVICE);
        }}
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("!small", false)]
        [InlineData("small", true)]
        public Task BoolLocalFromAComparison_ChoosesTheAllocation(string condition, bool warns) => Verify.Analyzer($@"
class Driver
{{
    Device _dev;

    void Run(int len)
    {{
        bool small = len < 64;
        KernelPtr p;
        if (small)
        {{
            p = kmalloc(24, GFP_KERNEL | __GFP_PACKED);
        }}
        else
        {{
            p = kmalloc(4096, GFP_KERNEL);
        }}

        if ({condition})
        {{
            dma_map_single(_dev, {(warns ? "{|#0:p|}" : "p")}, 24, DMA_FROM_DEVICE);
        }}
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("", false)]
        [InlineData("pack = false;", true)]
        public Task AssignedAgainBetweenTheTests_IsNotTheSame(string between, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Run(Device dev, bool pack)
    {{
        var p = kmalloc(24, pack ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL);
        {between}
        if (!pack)
        {{
            dma_map_single(dev, {(warns ? "{|#0:p|}" : "p")}, 24, DMA_FROM_DEVICE);
        }}
    }}
}}", Verify.DiagnosticIf(warns));

        [Theory]
        [InlineData("!pack", false)]
        [InlineData("pack", true)]
        public Task TestedInsideALoop(string condition, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Run(Device dev, bool pack, int n)
    {{
        for (int i = 0; i < n; i++)
        {{
            var p = kmalloc(24, pack ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL);
            if ({condition})
            {{
                dma_map_single(dev, {(warns ? "{|#0:p|}" : "p")}, 24, DMA_FROM_DEVICE);
            }}
        }}
    }}
}}", Verify.DiagnosticIf(warns));

        /// <summary>
        /// A method of more than 256 basic blocks keeps no bool apart (each one would triple the work of a method that
        /// size): the mapping on the safe side warns there, as before.
        /// </summary>
        [Fact]
        public Task InAMethodOfMoreThan256Blocks_IsJoinedAsBefore() => Verify.Analyzer(@"
class Driver
{
    void Run(Device dev, bool pack, int n)
    {
" + string.Concat(Enumerable.Range(0, 140).Select(i => $"        if (n > {i}) {{ n++; }} else {{ n--; }}\n")) + @"
        var p = kmalloc(24, pack ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL);
        if (!pack)
        {
            dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
        }
    }
}", Verify.Diagnostic());

        /// <summary>
        /// At most two bools per method are kept apart (each multiplies the states the method is analysed in): a
        /// third one tested twice is joined as before, so the mapping on its safe side still warns.
        /// </summary>
        [Fact]
        public Task AThirdBoolTestedTwice_IsJoinedAsBefore() => Verify.Analyzer(@"
class Driver
{
    void Run(Device dev, bool a, bool b, bool pack)
    {
        int n = 0;
        if (a) { n++; }
        if (a) { n++; }
        if (b) { n++; }
        if (b) { n++; }
        var p = kmalloc(24, pack ? GFP_KERNEL | __GFP_PACKED : GFP_KERNEL);
        if (!pack)
        {
            dma_map_single(dev, {|#0:p|}, 24, DMA_FROM_DEVICE);
        }
    }
}", Verify.Diagnostic());
    }
}
