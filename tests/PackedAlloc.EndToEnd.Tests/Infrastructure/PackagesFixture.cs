using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security;
using System.Text;
using System.Xml.Linq;
using Xunit.Sdk;

namespace PackedAlloc.EndToEnd.Tests.Infrastructure
{
    /// <summary>
    /// Once per test run: packs both packages into a temporary local feed, then creates and restores one consumer
    /// per scenario. Consumers never change after that, so each test can build any of them in any order.
    /// </summary>
    public sealed class PackagesFixture : IDisposable
    {
        public const string RuntimePackageId = "PackedAlloc.Runtime";
        public const string AnalyzersPackageId = "PackedAlloc.Analyzers";

        private readonly StringBuilder _log = new();

        public PackagesFixture()
        {
            RepositoryRoot = Metadata("PackedAlloc.RepositoryRoot");
            Configuration = Metadata("PackedAlloc.Configuration");
            Version = Metadata("PackedAlloc.PackageVersion");

            Root = Path.Combine(Path.GetTempPath(), "packedalloc-e2e-" + Guid.NewGuid().ToString("N").Substring(0, 12));
            Feed = Path.Combine(Root, "feed");
            PackagesFolder = Path.Combine(Root, "packages");
            Directory.CreateDirectory(Feed);
            Directory.CreateDirectory(PackagesFolder);
            try
            {
                Pack("src/PackedAlloc.Package/Runtime/PackedAlloc.Runtime.Package.csproj");
                Pack("src/PackedAlloc.Package/Analyzers/PackedAlloc.Analyzers.Package.csproj");
                WriteNuGetConfig();

                var runtimeReference = $@"    <PackageReference Include=""{RuntimePackageId}"" Version=""{Version}"" />";
                RuntimeConsumer = CreateConsumer("runtime", runtimeReference, editorConfig: null);
                SeverityErrorConsumer = CreateConsumer("severity-error", runtimeReference, SeverityConfig("error"));
                SeverityNoneConsumer = CreateConsumer("severity-none", runtimeReference, SeverityConfig("none"));
                // Both packages, as `dotnet add package` writes them (PackedAlloc.Analyzers is a development
                // dependency): the runtime package's build/PackedAlloc.Runtime.targets leaves only the analyzers
                // package's copy of the analyzers, so nothing is reported twice.
                AnalyzersPackageConsumer = CreateConsumer("analyzers-package",
                    runtimeReference + $@"
    <PackageReference Include=""{AnalyzersPackageId}"" Version=""{Version}"">
      <PrivateAssets>all</PrivateAssets>
      <IncludeAssets>runtime; build; native; contentfiles; analyzers; buildtransitive</IncludeAssets>
    </PackageReference>", editorConfig: null);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public string RepositoryRoot { get; }

        public string Configuration { get; }

        public string Version { get; }

        /// <summary>Temporary directory of this run: feed, package folder, consumers. Deleted at the end.</summary>
        public string Root { get; }

        public string Feed { get; }

        public string PackagesFolder { get; }

        public string NuGetConfigPath => Path.Combine(Root, "nuget.config");

        public string RuntimePackagePath => Path.Combine(Feed, $"{RuntimePackageId}.{Version}.nupkg");

        public string AnalyzersPackagePath => Path.Combine(Feed, $"{AnalyzersPackageId}.{Version}.nupkg");

        /// <summary>References PackedAlloc.Runtime: the analyzers come with it.</summary>
        public Consumer RuntimeConsumer { get; } = null!;

        /// <summary>Like <see cref="RuntimeConsumer"/>, with .editorconfig <c>dotnet_diagnostic.PA0001.severity = error</c>.</summary>
        public Consumer SeverityErrorConsumer { get; } = null!;

        /// <summary>Like <see cref="RuntimeConsumer"/>, with .editorconfig <c>dotnet_diagnostic.PA0001.severity = none</c>.</summary>
        public Consumer SeverityNoneConsumer { get; } = null!;

        /// <summary>References PackedAlloc.Runtime and PackedAlloc.Analyzers.</summary>
        public Consumer AnalyzersPackageConsumer { get; } = null!;

        /// <summary>What the fixture ran and how long each step took, for the tests' output.</summary>
        public string Log => _log.ToString();

        public static string SeverityConfig(string severity) =>
            "root = true\n\n[*.cs]\ndotnet_diagnostic.PA0001.severity = " + severity + "\n";

        public void Dispose()
        {
            if (Environment.GetEnvironmentVariable("PACKEDALLOC_E2E_KEEP") == "1") return;
            try
            {
                if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temporary directory is not worth failing the run for.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        private void Pack(string relativeProject)
        {
            // The test project references the packing projects, so they and everything they pack are built in
            // this configuration already: pack exactly those outputs, without building or restoring again.
            var result = DotNet.Run(RepositoryRoot, new[]
            {
                "pack", Path.Combine(RepositoryRoot, relativeProject), "-c", Configuration,
                "--no-build", "--no-restore", "-o", Feed, "-nologo", "-tl:off",
            });
            Record(result);
            if (!result.Succeeded) throw new XunitException("Packing failed:\n" + result);
        }

        private void WriteNuGetConfig()
        {
            // The repository's own package sources, as its nuget.config states them (it does not clear the SDK's
            // default source, so neither does this file; a relative path is resolved against the repository), then
            // the temporary feed. Restore asks every source for the exact version, so the feed's packages are found.
            var sources = new StringBuilder();
            var repoConfig = XDocument.Load(Path.Combine(RepositoryRoot, "nuget.config"));
            foreach (var element in repoConfig.Descendants("packageSources").Elements())
            {
                var name = element.Name.LocalName;
                if (name == "clear")
                {
                    sources.AppendLine("    <clear />");
                }
                else if (name == "add" || name == "remove")
                {
                    var key = (string?)element.Attribute("key") ?? throw new XunitException("nuget.config: a package source without a key");
                    var value = (string?)element.Attribute("value");
                    if (value != null && !Uri.TryCreate(value, UriKind.Absolute, out _))
                    {
                        value = Path.GetFullPath(Path.Combine(RepositoryRoot, value));
                    }
                    sources.AppendLine(value == null
                        ? $@"    <{name} key=""{SecurityElement.Escape(key)}"" />"
                        : $@"    <{name} key=""{SecurityElement.Escape(key)}"" value=""{SecurityElement.Escape(value)}"" />");
                }
            }
            sources.AppendLine($@"    <add key=""packedalloc-e2e-feed"" value=""{SecurityElement.Escape(Feed)}"" />");

            File.WriteAllText(NuGetConfigPath,
$@"<?xml version=""1.0"" encoding=""utf-8""?>
<configuration>
  <config>
    <!-- Own package folder: a re-packed package of the same version is never served from an old extraction. -->
    <add key=""globalPackagesFolder"" value=""{SecurityElement.Escape(PackagesFolder)}"" />
  </config>
  <packageSources>
{sources}  </packageSources>
</configuration>
");
        }

        /// <summary>
        /// A new consumer of the runtime package with its own <paramref name="sources"/>, restored, for a test that
        /// changes its files (the shared consumers above never change).
        /// </summary>
        public Consumer CreateRuntimeConsumer(string name, IReadOnlyDictionary<string, string> sources) =>
            CreateConsumer(name, $@"    <PackageReference Include=""{RuntimePackageId}"" Version=""{Version}"" />", editorConfig: null, sources);

        private Consumer CreateConsumer(string name, string packageReferences, string? editorConfig, IReadOnlyDictionary<string, string>? sources = null)
        {
            var consumer = new Consumer(Path.Combine(Root, name), PackagesFolder, packageReferences, editorConfig, sources);
            var restore = consumer.Restore();
            Record(restore);
            if (!restore.Succeeded) throw new XunitException($"Restoring the '{name}' consumer failed:\n" + restore);
            return consumer;
        }

        private void Record(CommandResult result)
        {
            lock (_log) _log.AppendLine($"{result.Elapsed.TotalSeconds,6:F1} s  {result.CommandLine}");
        }

        private static string Metadata(string key) =>
            typeof(PackagesFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .SingleOrDefault(a => a.Key == key)?.Value
            ?? throw new InvalidOperationException($"The test assembly has no '{key}' metadata.");
    }

    [CollectionDefinition(Name)]
    public sealed class PackagesCollection : ICollectionFixture<PackagesFixture>
    {
        /// <summary>One collection: the fixture is made once, and builds of the same consumer never overlap.</summary>
        public const string Name = "Packages";
    }
}
