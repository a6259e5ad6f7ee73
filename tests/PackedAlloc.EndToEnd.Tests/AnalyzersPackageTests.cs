using System.IO;
using System.Linq;
using System.Text.Json;
using PackedAlloc.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PackedAlloc.EndToEnd.Tests
{
    /// <summary>
    /// The PackedAlloc.Analyzers package: a consumer that references it next to PackedAlloc.Runtime gets its checks
    /// from the analyzers package alone, reported once (without the runtime package's build targets, both copies
    /// load and every diagnostic appears twice; ExcludeAssets="analyzers" does not prevent that).
    /// </summary>
    [Collection(PackagesCollection.Name)]
    public class AnalyzersPackageTests
    {
        private readonly PackagesFixture _packages;
        private readonly ITestOutputHelper _output;

        public AnalyzersPackageTests(PackagesFixture packages, ITestOutputHelper output)
        {
            _packages = packages;
            _output = output;
        }

        [Fact]
        public void AnalyzersPackage_ReportsPA0001Once()
        {
            var consumer = _packages.AnalyzersPackageConsumer;
            var sarifPath = Path.Combine(consumer.Directory, "obj", "pa0001-" + System.Guid.NewGuid().ToString("N") + ".sarif");
            var build = consumer.Build($"-p:ErrorLog={sarifPath}%2Cversion=2.1");
            _output.WriteLine(build.ToString());

            Assert.True(build.Succeeded, build.ToString());
            BuildAssert.AnalyzerLoaded(build);
            var pa0001 = Assert.Single(build.WithId("PA0001"));
            Assert.Equal(consumer.SourcePath, pa0001.File);
            Assert.Equal((UartDriver.MappedArgument.Line, UartDriver.MappedArgument.Column), (pa0001.Line, pa0001.Column));
            Assert.Equal(BuildAssert.HelpLink, pa0001.HelpLink);

            // The console repeats each warning in its summary; the log has each diagnostic exactly once.
            using var sarif = JsonDocument.Parse(File.ReadAllText(sarifPath));
            var results = sarif.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
                .Where(r => r.GetProperty("ruleId").GetString() == "PA0001");
            Assert.Single(results);
        }

        [Fact]
        public void AnalyzerAssemblies_ComeFromTheAnalyzersPackageOnly()
        {
            var items = _packages.AnalyzersPackageConsumer.AnalyzerItems();
            _output.WriteLine(items.ToString());
            Assert.True(items.Succeeded, items.ToString());
            var analyzers = BuildAssert.AnalyzerItemPaths(items.Output);
            var expectedFolder = Path.Combine(_packages.PackagesFolder, "packedalloc.analyzers", _packages.Version, "analyzers", "dotnet", "roslyn4.8", "cs");
            Assert.Contains(Path.Combine(expectedFolder, "PackedAlloc.Analyzers.dll"), analyzers);
            Assert.Contains(Path.Combine(expectedFolder, "PackedAlloc.CodeFixes.dll"), analyzers);
            Assert.DoesNotContain(analyzers, a => a.Contains(Path.Combine(_packages.PackagesFolder, "packedalloc.runtime"), System.StringComparison.Ordinal));
            Assert.Equal(1, analyzers.Count(a => Path.GetFileName(a) == "PackedAlloc.Analyzers.dll"));
        }
    }
}
