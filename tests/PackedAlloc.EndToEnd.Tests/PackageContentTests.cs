using System;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using PackedAlloc.EndToEnd.Tests.Infrastructure;

namespace PackedAlloc.EndToEnd.Tests
{
    /// <summary>What the two packages hold and declare, read straight from the .nupkg files.</summary>
    [Collection(PackagesCollection.Name)]
    public class PackageContentTests
    {
        private const string AnalyzerFolder = "analyzers/dotnet/roslyn4.8/cs/";
        private readonly PackagesFixture _packages;

        public PackageContentTests(PackagesFixture packages) => _packages = packages;

        [Fact]
        public void RuntimePackage_CarriesTheLibraryAndTheAnalyzers()
        {
            var package = new NuPkg(_packages.RuntimePackagePath);
            Assert.Equal(
                new[]
                {
                    "README.md",
                    AnalyzerFolder + "PackedAlloc.Analyzers.dll",
                    AnalyzerFolder + "PackedAlloc.CodeFixes.dll",
                    "build/PackedAlloc.Runtime.targets",
                    "lib/net10.0/PackedAlloc.Runtime.dll",
                    "lib/net10.0/PackedAlloc.Runtime.xml",
                },
                package.ContentEntries.OrderBy(e => e, StringComparer.Ordinal));
        }

        [Fact]
        public void RuntimePackage_IsNotADevelopmentDependency()
        {
            // A development dependency is referenced without compile assets: consumers could not compile against lib/.
            var package = new NuPkg(_packages.RuntimePackagePath);
            Assert.NotEqual("true", package.Metadata("developmentDependency"));
            var dependencies = package.MetadataElement("dependencies");
            Assert.NotNull(dependencies);
            var group = Assert.Single(dependencies!.Elements());
            Assert.Equal("net10.0", (string?)group.Attribute("targetFramework"));
            Assert.Empty(group.Elements()); // the runtime needs nothing but the framework
        }

        [Fact]
        public void AnalyzersPackage_IsADevelopmentDependencyWithAnalyzersOnly()
        {
            var package = new NuPkg(_packages.AnalyzersPackagePath);
            Assert.Equal("true", package.Metadata("developmentDependency"));
            Assert.Null(package.MetadataElement("dependencies"));
            Assert.Equal(
                new[] { "README.md", AnalyzerFolder + "PackedAlloc.Analyzers.dll", AnalyzerFolder + "PackedAlloc.CodeFixes.dll" },
                package.ContentEntries.OrderBy(e => e, StringComparer.Ordinal));
        }

        [Theory]
        [InlineData(PackagesFixture.RuntimePackageId)]
        [InlineData(PackagesFixture.AnalyzersPackageId)]
        public void Package_HasFullMetadata(string id)
        {
            var package = new NuPkg(id == PackagesFixture.RuntimePackageId ? _packages.RuntimePackagePath : _packages.AnalyzersPackagePath);
            Assert.Equal(id, package.Metadata("id"));
            Assert.Equal(_packages.Version, package.Metadata("version"));
            Assert.Equal("PackedAlloc contributors", package.Metadata("authors"));
            var license = package.MetadataElement("license");
            Assert.Equal("expression", (string?)license?.Attribute("type"));
            Assert.Equal("MIT", license?.Value);
            Assert.Equal("README.md", package.Metadata("readme"));
            Assert.Equal("https://github.com/packedalloc/packedalloc", package.Metadata("projectUrl"));
            var repository = package.MetadataElement("repository");
            Assert.Equal("git", (string?)repository?.Attribute("type"));
            Assert.Equal("https://github.com/packedalloc/packedalloc", (string?)repository?.Attribute("url"));
            Assert.Contains("__GFP_PACKED", package.Metadata("description"), StringComparison.Ordinal);
            var tags = (package.Metadata("tags") ?? "").Split(' ');
            Assert.Contains("dma", tags);
            Assert.Contains("analyzers", tags);

            // The README inside is the repository's.
            var readme = System.Text.Encoding.UTF8.GetString(package.Read("README.md"));
            Assert.Equal(System.IO.File.ReadAllText(System.IO.Path.Combine(_packages.RepositoryRoot, "README.md")), readme.TrimStart('\uFEFF'));
        }

        [Theory]
        [InlineData("PackedAlloc.Analyzers.dll", true)]
        [InlineData("PackedAlloc.CodeFixes.dll", false)]
        public void AnalyzerAssemblies_ReferenceNoRoslynNewerThan48(string assembly, bool mustReferenceRoslyn)
        {
            // A newer reference than the user's compiler makes it skip the analyzer (CS9057); 4.8 loads from VS 17.8 / .NET 8 SDK on.
            foreach (var path in new[] { _packages.RuntimePackagePath, _packages.AnalyzersPackagePath })
            {
                using var pe = new PEReader(ImmutableArray.Create(new NuPkg(path).Read(AnalyzerFolder + assembly)));
                var reader = pe.GetMetadataReader();
                var references = reader.AssemblyReferences.Select(h => reader.GetAssemblyReference(h))
                    .ToDictionary(r => reader.GetString(r.Name), r => r.Version);
                var roslyn = references.Where(r => r.Key.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal)).ToList();
                if (mustReferenceRoslyn) Assert.Contains("Microsoft.CodeAnalysis", roslyn.Select(r => r.Key));
                Assert.All(roslyn, r => Assert.True(r.Value <= new Version(4, 8, 0, 0), $"{assembly} in {path} references {r.Key} {r.Value}"));
                // Analyzers are loaded by every compiler host: netstandard2.0, not a newer framework.
                Assert.True(references.ContainsKey("netstandard"), $"{assembly} does not target netstandard");
                Assert.DoesNotContain("System.Runtime", references.Keys);
            }
        }
    }
}
