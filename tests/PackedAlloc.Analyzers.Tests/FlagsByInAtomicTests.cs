using System.Threading.Tasks;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>PA0005: every claim of docs/rules/PA0005.md, both ways.</summary>
    public class FlagsByInAtomicTests
    {
        [Theory]
        [InlineData("KernelPtr p = kmalloc(64, {|#0:in_atomic()|} ? GFP_ATOMIC : GFP_KERNEL);", true)]
        [InlineData("KernelPtr p = kmalloc(64, ({|#0:in_atomic()|} || irqs_disabled()) ? GFP_ATOMIC : GFP_KERNEL);", true)]
        [InlineData("KernelPtr p = kmalloc(64, (irqs_disabled() || {|#0:in_atomic()|}) ? GFP_ATOMIC : GFP_KERNEL);", true)]
        [InlineData("GfpFlags gfp; if ({|#0:in_atomic()|}) gfp = GFP_ATOMIC; else gfp = GFP_KERNEL; KernelPtr p = kzalloc(64, gfp);", true)]
        [InlineData("GfpFlags gfp = GFP_KERNEL; if ({|#0:in_atomic()|}) gfp = GFP_ATOMIC | __GFP_ZERO; KernelPtr p = kmalloc(64, gfp);", true)]
        [InlineData("GfpFlags gfp = !{|#0:in_atomic()|} ? GFP_KERNEL : GFP_ATOMIC; KernelPtr p = kmalloc(64, gfp);", true)]
        [InlineData("KernelPtr p = kmalloc(64, irqs_disabled() ? GFP_ATOMIC : GFP_KERNEL);", false)]
        [InlineData("KernelPtr p = kmalloc(64, flags);", false)]
        [InlineData("if (in_atomic()) Console.WriteLine(\"atomic\"); KernelPtr p = kmalloc(64, GFP_KERNEL);", false)]
        public Task FlagsThatInAtomicChose_Warn_OnTheQuery(string code, bool warns) =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    void Refill(GfpFlags flags)
    {
        " + code + @"
    }
}", Verify.ChosenByInAtomicIf(warns));

        [Theory]
        [InlineData("Grow({|#0:in_atomic()|} ? GFP_ATOMIC : GFP_KERNEL);", true)]
        [InlineData("Grow(GFP_KERNEL);", false)]
        public Task FlagsPassedToAHelperThatAllocates_Warn(string call, bool warns) =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    KernelPtr Grow(GfpFlags gfp) => kmalloc(256, gfp);

    void Refill()
    {
        " + call + @"
    }
}", Verify.ChosenByInAtomicIf(warns));

        [Fact]
        public Task CodeThatDoesNotCompile_IsNotJudged() =>
            Verify.AtomicAnalyzer(@"
class Driver
{
    void Refill()
    {
        KernelPtr p = kmalloc(64, in_atomic() ? GFP_ATOMIC : {|CS0103:GFP_SOMETIMES|});
    }
}");

        [Fact]
        public Task Message_NamesTheAllocation() =>
            Verify.Create(@"
class Driver
{
    void Refill()
    {
        KernelPtr p = {|#1:kmalloc(64, {|#0:in_atomic()|} ? GFP_ATOMIC : GFP_KERNEL)|};
    }
}").WithAtomicChecks().Expect(new Microsoft.CodeAnalysis.Testing.DiagnosticResult(Descriptors.FlagsChosenByInAtomic)
                .WithLocation(0).WithLocation(1).WithArguments("kmalloc", "Test0.cs:10")).RunAsync();
    }
}
