using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>A clone restores on any machine, and the repository refers only to files it contains.</summary>
    public class RepositoryTests
    {
        private static IEnumerable<string> Files(params string[] extensions) =>
            Directory.EnumerateFiles(Repository.Root, "*", SearchOption.AllDirectories)
                .Where(f => !Relative(f).Split('/').Any(part => part is "bin" or "obj" or ".git" or "artifacts" or "BenchmarkDotNet.Artifacts" or "TestResults"))
                .Where(f => extensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)));

        private static string Relative(string path) => Path.GetRelativePath(Repository.Root, path).Replace('\\', '/');

        [Fact]
        public void NuGetConfig_KeepsTheDefaultSource_AndAddsOnlyFoldersOfTheRepository()
        {
            var configs = Files("nuget.config").ToList();
            Assert.Equal(new[] { "nuget.config" }, configs.Select(Relative));
            var sources = XDocument.Load(configs[0]).Descendants("packageSources").Single();
            Assert.Empty(sources.Elements("clear"));
            foreach (var add in sources.Elements("add"))
            {
                var value = (string?)add.Attribute("value") ?? "";
                Assert.False(Uri.TryCreate(value, UriKind.Absolute, out _), "nuget.config names a host or an absolute path: " + value);
                Assert.False(Path.IsPathRooted(value), "nuget.config names an absolute path: " + value);
                Assert.True(Directory.Exists(Path.Combine(Repository.Root, value)), "nuget.config names a folder the repository does not have: " + value);
            }
        }

        [Fact]
        public void NoBuildFile_SuppressesRestoreWarnings_OrNamesItsOwnSources()
        {
            var buildFiles = Files(".props", ".targets", ".csproj").ToList();
            Assert.Contains(buildFiles, f => Relative(f) == "Directory.Build.props");
            foreach (var file in buildFiles)
            {
                var xml = XDocument.Load(file);
                var suppressions = xml.Descendants().Where(e => e.Name.LocalName is "NoWarn" or "WarningsNotAsErrors").Select(e => e.Value)
                    .Concat(xml.Descendants().Select(e => (string?)e.Attribute("NoWarn")).OfType<string>());
                foreach (var value in suppressions)
                {
                    Assert.False(Regex.IsMatch(value, @"\bNU\d{4}\b"), $"{Relative(file)} suppresses a restore warning: {value}");
                }
                foreach (var element in new[] { "RestoreSources", "RestoreAdditionalProjectSources", "RestorePackagesPath", "RestoreFallbackFolders" })
                {
                    Assert.False(xml.Descendants().Any(e => e.Name.LocalName == element), $"{Relative(file)} sets {element}");
                }
            }
        }

        [Fact]
        public void TheLicenseFileIsTheLicenseThePackagesDeclare()
        {
            var license = File.ReadAllText(Path.Combine(Repository.Root, "LICENSE"));
            var packageProps = XDocument.Load(Path.Combine(Repository.Root, "src", "PackedAlloc.Package", "Package.props"));
            Assert.Equal("MIT", packageProps.Descendants("PackageLicenseExpression").Single().Value);
            Assert.StartsWith("MIT License", license, StringComparison.Ordinal);
            Assert.Contains(packageProps.Descendants("Copyright").Single().Value, license, StringComparison.Ordinal);
        }

        [Fact]
        public void EveryMarkdownFileTheRepositoryNames_IsInTheRepository()
        {
            var present = Files(".md").Select(Path.GetFileName).ToHashSet(StringComparer.Ordinal);
            Assert.Contains("README.md", present);
            var named = new Regex(@"[\w./-]*\w\.md\b", RegexOptions.CultureInvariant);
            var missing = new List<string>();
            foreach (var file in Files(".cs", ".csproj", ".props", ".targets", ".md", ".sln", ".config", ".json"))
            {
                foreach (var line in File.ReadLines(file))
                {
                    foreach (Match m in named.Matches(line))
                    {
                        // Addresses on the web are not files of the repository.
                        int start = line.LastIndexOfAny(new[] { ' ', '(', '"', '<', '`' }, m.Index) + 1;
                        if (line.Substring(start, m.Index - start).Contains("://", StringComparison.Ordinal) || line.Substring(start).StartsWith("http", StringComparison.Ordinal)) continue;
                        if (!present.Contains(Path.GetFileName(m.Value))) missing.Add($"{Relative(file)}: {m.Value}");
                    }
                }
            }
            Assert.True(missing.Count == 0, "files named but not in the repository:\n" + string.Join("\n", missing));
        }

        [Fact]
        public void RelativeLinksOfTheDocs_PointAtFilesOfTheRepository()
        {
            var link = new Regex(@"\]\((?<target>[^)#\s]+)(#[^)]*)?\)", RegexOptions.CultureInvariant);
            int checkedLinks = 0;
            foreach (var file in Files(".md"))
            {
                foreach (Match m in link.Matches(File.ReadAllText(file)))
                {
                    var target = m.Groups["target"].Value;
                    if (target.Contains("://", StringComparison.Ordinal)) continue;
                    checkedLinks++;
                    var path = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, target));
                    Assert.True(File.Exists(path) || Directory.Exists(path), $"{Relative(file)} links to {target}, which is not there");
                }
            }
            Assert.True(checkedLinks > 0, "expected the rule pages to link to each other");
        }
    }
}
