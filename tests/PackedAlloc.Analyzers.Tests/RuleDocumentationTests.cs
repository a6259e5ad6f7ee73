using System;
using System.IO;
using System.Linq;
using PackedAlloc.Analyzers.Rules;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>Every descriptor links to its page in docs/rules, and every page belongs to a descriptor.</summary>
    public class RuleDocumentationTests
    {
        [Fact]
        public void EveryDescriptorHasAHelpPageThatExists()
        {
            var descriptors = new DmaFlowAnalyzer().SupportedDiagnostics;
            Assert.NotEmpty(descriptors);
            foreach (var descriptor in descriptors)
            {
                Assert.Equal(Descriptors.HelpLink(descriptor.Id), descriptor.HelpLinkUri);
                Assert.EndsWith("/docs/rules/" + descriptor.Id + ".md", descriptor.HelpLinkUri);
                var page = Path.Combine(Repository.Root, "docs", "rules", descriptor.Id + ".md");
                Assert.True(File.Exists(page), "missing " + page);
                Assert.StartsWith("# " + descriptor.Id + ": " + descriptor.Title, File.ReadAllLines(page)[0]);
            }
        }

        [Fact]
        public void BudgetNoticeNamesTheOptionKeyTheAnalyzerReads()
        {
            var key = Model.AnalysisOptions.Prefix + Descriptors.PackedBufferReachesDmaId + "." + Model.AnalysisOptions.MaxStepsName;
            Assert.Contains(key, Descriptors.AnalysisBudgetExceeded.Description.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        [Fact]
        public void EveryPageBelongsToAShippedOrUnshippedRule()
        {
            var root = Repository.Root;
            var unshipped = File.ReadAllText(Path.Combine(root, "src", "PackedAlloc.Analyzers", "AnalyzerReleases.Unshipped.md"))
                + File.ReadAllText(Path.Combine(root, "src", "PackedAlloc.Analyzers", "AnalyzerReleases.Shipped.md"));
            var pages = Directory.GetFiles(Path.Combine(root, "docs", "rules"), "PA*.md").Select(Path.GetFileNameWithoutExtension).ToList();
            Assert.NotEmpty(pages);
            foreach (var id in pages)
            {
                Assert.Contains(id + " ", unshipped);
            }
        }

        [Theory]
        [InlineData("PA0001.md")]
        [InlineData("PA0002.md")]
        [InlineData("PA0003.md")]
        [InlineData("PA0004.md")]
        [InlineData("PA0005.md")]
        [InlineData("PA0006.md")]
        [InlineData("PA0007.md")]
        public void TestsNamedByTheRulePagesExist(string pageName)
        {
            var page = File.ReadAllText(Path.Combine(Repository.Root, "docs", "rules", pageName));
            var methods = typeof(RuleDocumentationTests).Assembly.GetTypes()
                .SelectMany(t => t.GetMethods().Select(m => m.Name)).ToHashSet();
            var classes = typeof(RuleDocumentationTests).Assembly.GetTypes().Select(t => t.Name).ToHashSet();
            // The pages also cite tests of the other test projects (the runtime's, the end-to-end suite): read their sources.
            foreach (var source in Directory.GetFiles(Path.Combine(Repository.Root, "tests"), "*Tests.cs", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(source);
                methods.UnionWith(System.Text.RegularExpressions.Regex.Matches(text, @"public (?:async )?(?:void|Task) (\w+)\(").Select(m => m.Groups[1].Value));
                classes.UnionWith(System.Text.RegularExpressions.Regex.Matches(text, @"class (\w+)").Select(m => m.Groups[1].Value));
            }
            // Citations look like *(tests: `Class.Method`, `Method_*`, `Class`)*.
            var cited = System.Text.RegularExpressions.Regex.Matches(page, @"\*\(tests?: (.*?)\)\*", System.Text.RegularExpressions.RegexOptions.Singleline)
                .SelectMany(m => System.Text.RegularExpressions.Regex.Matches(m.Groups[1].Value, @"`([\w.*]+)`").Select(n => n.Groups[1].Value))
                .ToList();
            Assert.True(cited.Count > (pageName == "PA0001.md" ? 20 : 1), "expected the page to cite its tests, found " + cited.Count);
            foreach (var citation in cited)
            {
                var name = citation.Contains('.') ? citation.Substring(citation.LastIndexOf('.') + 1) : citation;
                bool found = name.EndsWith("*", StringComparison.Ordinal)
                    ? methods.Any(m => m.StartsWith(name.TrimEnd('*'), StringComparison.Ordinal))
                    : methods.Contains(name) || classes.Contains(name);
                Assert.True(found, pageName + " cites a test that does not exist: " + citation);
            }
        }
    }
}
