using System;
using System.Linq;
using PackedAlloc.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PackedAlloc.EndToEnd.Tests
{
    /// <summary>`dotnet format analyzers` applies the package's PA0001 fixes to a consumer (issue 4).</summary>
    [Collection(PackagesCollection.Name)]
    public class FormatTests
    {
        private readonly PackagesFixture _packages;
        private readonly ITestOutputHelper _output;

        public FormatTests(PackagesFixture packages, ITestOutputHelper output)
        {
            _packages = packages;
            _output = output;
        }

        /// <summary>
        /// Three fixers offer a fix for every PA0001 here. What `dotnet format` (SDK 10.0.401) does with them, found
        /// by running it and by reading its AnalyzerFormatter / SolutionCodeFixApplier: it analyses once, then for
        /// the diagnostic ID tries each fixer in the order it found them in PackedAlloc.CodeFixes.dll (type
        /// definition order: BounceWhenNeededCodeFix, MapThroughSwiotlbCodeFix, RemovePackedFlagCodeFix). A fixer
        /// gets the first diagnostic's first action, and its equivalence key picks that fix for a solution-wide Fix
        /// All over every diagnostic. Once one fixer changed the solution, the later fixers see the diagnostics of
        /// the old solution and change nothing. So the result is fix 3, "bounce only when needed", on every
        /// mapping, and nothing else: Buffers.cs and the flags keep __GFP_PACKED.
        /// Consequences seen on hand-made variants of this driver (not asserted here): when the first PA0001 is one
        /// that fix 3 declines (an argument such as `Size()`), fix 3 logs "didn't return a Fix All action" and fix 2
        /// (swiotlb) is applied to every mapping instead; when fix 3 fits the first PA0001 but declines a later one,
        /// that later one is left unfixed by the run and `--verify-no-changes` then exits 2.
        /// </summary>
        [Fact]
        public void FormatAnalyzers_AppliesBounceWhenNeededToEveryPA0001_AndTheResultBuildsClean()
        {
            var consumer = _packages.CreateRuntimeConsumer("format", FixableDriver.Sources);

            var before = Log(consumer.Build());
            Assert.True(before.Succeeded, before.ToString());
            BuildAssert.AnalyzerLoaded(before);
            Assert.Equal(
                FixableDriver.Hazards.Select(h => (System.IO.Path.Combine(consumer.Directory, h.File), h.Line)),
                before.WithId("PA0001").Select(d => (d.File, d.Line)).OrderBy(d => d.Line));

            var format = Log(consumer.Format("analyzers", "--diagnostics", "PA0001", "--severity", "warn", "--no-restore", "-v", "diag"));
            Assert.True(format.Succeeded, format.ToString());
            // A fixer that declines still exits 0: the files themselves show what was applied.
            Assert.DoesNotContain("Unable to fix", format.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Failed to apply", format.Output, StringComparison.Ordinal);
            foreach (var (file, expected) in FixableDriver.BounceWhenNeeded)
            {
                Assert.Equal(expected, FixableDriver.Normalize(consumer.Read(file)));
            }

            var verify = Log(consumer.Format("analyzers", "--diagnostics", "PA0001", "--severity", "warn", "--no-restore", "--verify-no-changes"));
            Assert.True(verify.Succeeded, "nothing may be left to fix\n" + verify);

            var after = Log(consumer.Build());
            Assert.True(after.Succeeded, after.ToString());
            BuildAssert.AnalyzerLoaded(after);
            Assert.Empty(after.WithId("PA0001"));
            Assert.DoesNotContain(after.Diagnostics, d => d.Severity == "error");
        }

        private CommandResult Log(CommandResult result)
        {
            _output.WriteLine(result.ToString());
            return result;
        }
    }
}
