using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace PackedAlloc.EndToEnd.Tests.Infrastructure
{
    /// <summary>
    /// A consumer project in its own directory, outside the repository: it references the packages by version from
    /// the temporary feed, restores once into the run's own package folder, and is then built with --no-restore.
    /// </summary>
    public sealed class Consumer
    {
        private readonly string _packagesFolder;

        /// <param name="sources">File name → text of the consumer's sources; null for the UART driver alone.</param>
        public Consumer(string directory, string packagesFolder, string packageReferences, string? editorConfig,
            IReadOnlyDictionary<string, string>? sources = null)
        {
            Directory = directory;
            _packagesFolder = packagesFolder;
            System.IO.Directory.CreateDirectory(directory);
            ProjectPath = Path.Combine(directory, "Consumer.csproj");
            SourcePath = Path.Combine(directory, UartDriver.FileName);

            // Stop MSBuild's search for Directory.Build.* above the consumer: it must see only what it declares.
            File.WriteAllText(Path.Combine(directory, "Directory.Build.props"), "<Project />\n");
            File.WriteAllText(Path.Combine(directory, "Directory.Build.targets"), "<Project />\n");
            File.WriteAllText(ProjectPath,
$@"<Project Sdk=""Microsoft.NET.Sdk"">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <RootNamespace>Consumer</RootNamespace>
  </PropertyGroup>
  <ItemGroup>
{packageReferences}
  </ItemGroup>
</Project>
");
            foreach (var (name, text) in sources ?? new Dictionary<string, string> { [UartDriver.FileName] = UartDriver.Source })
            {
                File.WriteAllText(Path.Combine(directory, name), text);
            }
            if (editorConfig != null) File.WriteAllText(Path.Combine(directory, ".editorconfig"), editorConfig);
        }

        public string Directory { get; }

        public string ProjectPath { get; }

        public string SourcePath { get; }

        /// <summary>Where NuGet extracted the packages for this test run (NUGET_PACKAGES and globalPackagesFolder).</summary>
        public string PackagesFolder => _packagesFolder;

        public CommandResult Restore() => Run(new[] { "restore", ProjectPath });

        /// <summary>`dotnet build` without restore; always a full compile, since changing only a property would not recompile.</summary>
        public CommandResult Build(params string[] extraArguments) =>
            Run(new[] { "build", ProjectPath, "--no-restore", "--no-incremental", "--disable-build-servers", "-nologo", "-tl:off" }.Concat(extraArguments));

        /// <summary>`dotnet format` on the project (`dotnet format analyzers ...` with <paramref name="arguments"/> = "analyzers", ...).</summary>
        public CommandResult Format(params string[] arguments) =>
            Run(new[] { "format" }.Concat(arguments.Take(1)).Append(ProjectPath).Concat(arguments.Skip(1)));

        /// <summary>The text of one of the consumer's files.</summary>
        public string Read(string fileName) => File.ReadAllText(Path.Combine(Directory, fileName));

        /// <summary>The Analyzer items that the package assets give the compiler (no compile).</summary>
        public CommandResult AnalyzerItems() =>
            Run(new[] { "msbuild", ProjectPath, "-t:ResolveLockFileAnalyzers", "-getItem:Analyzer", "-nologo", "-tl:off" });

        private CommandResult Run(IEnumerable<string> arguments) =>
            DotNet.Run(Directory, arguments, new Dictionary<string, string?> { ["NUGET_PACKAGES"] = _packagesFolder });
    }
}
