using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using PackedAlloc.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PackedAlloc.EndToEnd.Tests
{
    /// <summary>
    /// `dotnet build` of a consumer that references the PackedAlloc.Runtime package: the analyzers come with it,
    /// really load in the SDK's compiler, and report, fail the build and obey .editorconfig as users expect.
    /// </summary>
    [Collection(PackagesCollection.Name)]
    public class ConsumerBuildTests
    {
        private readonly PackagesFixture _packages;
        private readonly ITestOutputHelper _output;

        public ConsumerBuildTests(PackagesFixture packages, ITestOutputHelper output)
        {
            _packages = packages;
            _output = output;
            _output.WriteLine("Fixture:\n" + packages.Log);
        }

        [Fact]
        public void Build_ReportsPA0001OnTheMappedArgument_WithHelpLink()
        {
            var consumer = _packages.RuntimeConsumer;
            var build = Log(consumer.Build());

            Assert.True(build.Succeeded, "a warning must not fail the build\n" + build);
            BuildAssert.AnalyzerLoaded(build);
            var pa0001 = Assert.Single(build.WithId("PA0001"));
            Assert.Equal("warning", pa0001.Severity);
            Assert.Equal(consumer.SourcePath, pa0001.File);
            Assert.Equal(UartDriver.MappedArgument.Line, pa0001.Line);
            Assert.Equal(UartDriver.MappedArgument.Column, pa0001.Column);
            Assert.Equal(BuildAssert.HelpLink, pa0001.HelpLink);
            Assert.Contains($"'kmalloc' at {UartDriver.FileName}:{UartDriver.Allocation.Line}", pa0001.Message, StringComparison.Ordinal);
            Assert.Contains("'dma_map_single'", pa0001.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void TreatWarningsAsErrors_FailsTheBuildOnPA0001()
        {
            var build = Log(_packages.RuntimeConsumer.Build("-p:TreatWarningsAsErrors=true"));

            Assert.False(build.Succeeded, build.ToString());
            BuildAssert.AnalyzerLoaded(build);
            var error = Assert.Single(build.Diagnostics, d => d.Severity == "error");
            Assert.Equal("PA0001", error.Id);
            Assert.Equal(UartDriver.MappedArgument.Line, error.Line);
        }

        [Fact]
        public void EditorConfigSeverityError_FailsTheBuild()
        {
            var consumer = _packages.SeverityErrorConsumer;
            Assert.Contains("dotnet_diagnostic.PA0001.severity = error", File.ReadAllText(Path.Combine(consumer.Directory, ".editorconfig")), StringComparison.Ordinal);
            var build = Log(consumer.Build());

            Assert.False(build.Succeeded, build.ToString());
            BuildAssert.AnalyzerLoaded(build);
            var error = Assert.Single(build.Diagnostics, d => d.Severity == "error");
            Assert.Equal("PA0001", error.Id);
            Assert.Equal(consumer.SourcePath, error.File);
            Assert.Equal((UartDriver.MappedArgument.Line, UartDriver.MappedArgument.Column), (error.Line, error.Column));
            Assert.DoesNotContain(build.Diagnostics, d => d.Id == "PA0001" && d.Severity == "warning");
        }

        [Fact]
        public void EditorConfigSeverityNone_SilencesPA0001()
        {
            var consumer = _packages.SeverityNoneConsumer;
            Assert.Contains("dotnet_diagnostic.PA0001.severity = none", File.ReadAllText(Path.Combine(consumer.Directory, ".editorconfig")), StringComparison.Ordinal);
            var build = Log(consumer.Build());

            Assert.True(build.Succeeded, build.ToString());
            BuildAssert.AnalyzerLoaded(build);
            Assert.DoesNotContain("PA0001", build.Output, StringComparison.Ordinal);
        }

        [Fact]
        public void SarifLog_CarriesTheRouteAsRelatedLocations()
        {
            var consumer = _packages.RuntimeConsumer;
            var sarifPath = Path.Combine(consumer.Directory, "obj", "pa0001-" + Guid.NewGuid().ToString("N") + ".sarif");
            // ErrorLog is "path,version=2.1"; a comma inside -p must be escaped or MSBuild splits the property there.
            var build = Log(consumer.Build($"-p:ErrorLog={sarifPath}%2Cversion=2.1"));
            Assert.True(build.Succeeded, build.ToString());
            BuildAssert.AnalyzerLoaded(build);

            using var sarif = JsonDocument.Parse(File.ReadAllText(sarifPath));
            Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
            var run = Assert.Single(sarif.RootElement.GetProperty("runs").EnumerateArray());
            var result = Assert.Single(run.GetProperty("results").EnumerateArray(), r => r.GetProperty("ruleId").GetString() == "PA0001");
            Assert.Equal("warning", result.GetProperty("level").GetString());

            var location = Assert.Single(result.GetProperty("locations").EnumerateArray());
            AssertRegion(location, consumer.SourcePath, UartDriver.MappedArgument);

            // Additional locations: the allocation, the __GFP_PACKED flag site, then the route's steps.
            var related = result.GetProperty("relatedLocations").EnumerateArray().ToList();
            Assert.True(related.Count >= 2, "expected the allocation and the flag site as related locations:\n" + result);
            AssertRegion(related[0], consumer.SourcePath, UartDriver.Allocation);
            AssertRegion(related[1], consumer.SourcePath, UartDriver.FlagSite);
            var (first, last) = UartDriver.ReceiveLines;
            Assert.All(related.Skip(2), step =>
            {
                var line = step.GetProperty("physicalLocation").GetProperty("region").GetProperty("startLine").GetInt32();
                Assert.InRange(line, first, last);
            });

            // What docs/rules/PA0001.md ("In SARIF logs") says of the compiler's writer: the related locations carry no
            // label, and every property of the diagnostic is in the log, so the page names each one.
            Assert.All(related, r => Assert.False(r.TryGetProperty("message", out _), "a related location has a label now: update PA0001.md\n" + r));
            var page = File.ReadAllText(Path.Combine(_packages.RepositoryRoot, "docs", "rules", "PA0001.md"));
            var sarifSection = page.Substring(page.IndexOf("## In SARIF logs", StringComparison.Ordinal));
            sarifSection = sarifSection.Substring(0, sarifSection.IndexOf("\n## ", 1, StringComparison.Ordinal));
            if (result.TryGetProperty("properties", out var properties) && properties.TryGetProperty("customProperties", out var custom))
            {
                Assert.All(custom.EnumerateObject(), p => Assert.Contains($"`{p.Name}`", sarifSection, StringComparison.Ordinal));
            }

            // The rule's help link travels with the log too.
            var rule = Assert.Single(run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray(),
                r => r.GetProperty("id").GetString() == "PA0001");
            Assert.Equal(BuildAssert.HelpLink, rule.GetProperty("helpUri").GetString());
        }

        [Fact]
        public void AnalyzerAssemblies_ComeFromTheRuntimePackage()
        {
            var items = Log(_packages.RuntimeConsumer.AnalyzerItems());
            Assert.True(items.Succeeded, items.ToString());
            var analyzers = BuildAssert.AnalyzerItemPaths(items.Output);
            var expectedFolder = Path.Combine(_packages.PackagesFolder, "packedalloc.runtime", _packages.Version, "analyzers", "dotnet", "roslyn4.8", "cs");
            Assert.Contains(Path.Combine(expectedFolder, "PackedAlloc.Analyzers.dll"), analyzers);
            Assert.Contains(Path.Combine(expectedFolder, "PackedAlloc.CodeFixes.dll"), analyzers);
        }

        private static void AssertRegion(JsonElement location, string expectedPath, SourceSpot expected)
        {
            var physical = location.GetProperty("physicalLocation");
            Assert.Equal(new Uri(expectedPath), new Uri(physical.GetProperty("artifactLocation").GetProperty("uri").GetString()!));
            var region = physical.GetProperty("region");
            Assert.Equal(
                (expected.Line, expected.Column, expected.Column + expected.Length),
                (region.GetProperty("startLine").GetInt32(), region.GetProperty("startColumn").GetInt32(), region.GetProperty("endColumn").GetInt32()));
        }

        private CommandResult Log(CommandResult result)
        {
            _output.WriteLine(result.ToString());
            return result;
        }
    }
}
