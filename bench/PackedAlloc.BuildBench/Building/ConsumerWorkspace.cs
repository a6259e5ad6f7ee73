using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security;
using PackedAlloc.BuildBench.Corpora;

namespace PackedAlloc.BuildBench.Building
{
    /// <summary>
    /// One corpus on disk with the consumer projects that build it: the sources once under src/, and a folder per
    /// variant (with the analyzer under test, with the baseline analyzer, without any) holding a project that
    /// compiles those sources. The variants differ only in their &lt;Analyzer&gt; item.
    /// </summary>
    public sealed class ConsumerWorkspace
    {
        private ConsumerWorkspace(string directory) => Directory = directory;

        public string Directory { get; }

        /// <summary>Where the corpus's files are, under their relative paths.</summary>
        public string SourceDirectory => Path.Combine(Directory, "src");

        /// <param name="analyzerOptions">PA0001 options (name → value) written to the .editorconfig.</param>
        public static ConsumerWorkspace Create(string directory, GeneratedCorpus corpus, IReadOnlyDictionary<string, string> analyzerOptions)
        {
            if (System.IO.Directory.Exists(directory))
            {
                System.IO.Directory.Delete(directory, recursive: true);
            }

            var workspace = new ConsumerWorkspace(directory);
            foreach (var (path, text) in corpus.Files)
            {
                string file = Path.Combine(workspace.SourceDirectory, path);
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                File.WriteAllText(file, text);
            }

            File.WriteAllText(Path.Combine(directory, ".editorconfig"), EditorConfig(analyzerOptions));

            // Empty, so that MSBuild stops looking upwards: a Directory.Build.props above the temp folder (a
            // repository's, with TreatWarningsAsErrors say) must not change the consumer.
            File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
            File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");

            // The consumer needs no package beyond the SDK's own targeting pack, so it gets no package source at all.
            File.WriteAllText(Path.Combine(directory, "nuget.config"), """
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                  </packageSources>
                </configuration>

                """);
            return workspace;
        }

        /// <summary>Writes the project of one variant and returns its path.</summary>
        /// <param name="variant">The folder name, also the assembly name's suffix.</param>
        /// <param name="analyzer">The PackedAlloc analyzer DLL, or null for the build without it.</param>
        public string WriteProject(string variant, string runtime, string? analyzer)
        {
            string folder = Path.Combine(Directory, variant);
            System.IO.Directory.CreateDirectory(folder);
            string analyzerItem = analyzer == null ? string.Empty : $"\n    <Analyzer Include=\"{Xml(analyzer)}\" />";
            string project = Path.Combine(folder, "Consumer.csproj");
            File.WriteAllText(project, $$"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <OutputType>Library</OutputType>
                    <AssemblyName>Bench.{{variant}}</AssemblyName>
                    <Nullable>disable</Nullable>
                    <ImplicitUsings>disable</ImplicitUsings>
                    <LangVersion>latest</LangVersion>
                    <EnableNETAnalyzers>true</EnableNETAnalyzers>
                    <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
                  </PropertyGroup>
                  <ItemGroup>
                    <Compile Include="../src/**/*.cs" />
                    <Reference Include="PackedAlloc.Runtime">
                      <HintPath>{{Xml(runtime)}}</HintPath>
                    </Reference>{{analyzerItem}}
                  </ItemGroup>
                </Project>

                """);
            return project;
        }

        private static string EditorConfig(IReadOnlyDictionary<string, string> analyzerOptions)
        {
            var options = string.Concat(analyzerOptions.Select(o => $"dotnet_code_quality.PA0001.{o.Key} = {o.Value}\n"));
            return $"""
                root = true

                [*.cs]
                # The yardstick: NetAnalyzers' dataflow rule for undisposed objects, off by default.
                dotnet_diagnostic.CA2000.severity = warning
                # PA0002 is Info, which MSBuild does not print; as a warning it can be counted.
                dotnet_diagnostic.PA0002.severity = warning

                """ + options;
        }

        private static string Xml(string text) => SecurityElement.Escape(text);
    }
}
