using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Tasks;
using Microsoft.Build.Locator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.MSBuild;
using Microsoft.CodeAnalysis.Text;
using PackedAlloc.EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PackedAlloc.EndToEnd.Tests
{
    /// <summary>
    /// The IDE path: the consumer opened with MSBuildWorkspace (the project system under Visual Studio and
    /// VS Code's C# tooling), running the analyzers the project takes from the package.
    /// </summary>
    [Collection(PackagesCollection.Name)]
    public class WorkspaceTests
    {
        private static readonly object LocatorGate = new();
        private readonly PackagesFixture _packages;
        private readonly ITestOutputHelper _output;

        public WorkspaceTests(PackagesFixture packages, ITestOutputHelper output)
        {
            _packages = packages;
            _output = output;
            RegisterMSBuild();
        }

        [Fact]
        public async Task PackageAnalyzers_ReportPA0001OnTheMappedArgument_WithAdditionalLocations()
        {
            var consumer = _packages.RuntimeConsumer;
            using var opened = await OpenAsync(consumer);
            var project = opened.Project;

            var analyzers = PackageAnalyzerReferences(project)
                .SelectMany(r => r.GetAnalyzers(LanguageNames.CSharp))
                .ToImmutableArray();
            Assert.Contains(analyzers, a => a.SupportedDiagnostics.Any(d => d.Id == "PA0001"));

            var compilation = await project.GetCompilationAsync();
            Assert.NotNull(compilation);
            Assert.Empty(compilation!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

            var withAnalyzers = compilation.WithAnalyzers(analyzers, project.AnalyzerOptions);
            var diagnostics = await withAnalyzers.GetAnalyzerDiagnosticsAsync();
            foreach (var d in diagnostics) _output.WriteLine(d.ToString());
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");

            var pa0001 = Assert.Single(diagnostics, d => d.Id == "PA0001");
            Assert.Equal(DiagnosticSeverity.Warning, pa0001.Severity);
            Assert.Equal(consumer.SourcePath, pa0001.Location.SourceTree?.FilePath);
            AssertSpan(UartDriver.MappedArgument, pa0001.Location, "buf");
            Assert.Equal(BuildAssert.HelpLink, pa0001.Descriptor.HelpLinkUri);

            // Additional locations: the allocation, the __GFP_PACKED flag site, then the route's steps.
            var additional = pa0001.AdditionalLocations;
            Assert.True(additional.Count >= 2, "expected the allocation and the flag site as additional locations");
            AssertSpan(UartDriver.Allocation, additional[0], "kmalloc(24, GFP_KERNEL | __GFP_PACKED)");
            AssertSpan(UartDriver.FlagSite, additional[1], "__GFP_PACKED");
            Assert.All(additional, l => Assert.Equal(consumer.SourcePath, l.SourceTree?.FilePath));
        }

        [Fact]
        public async Task CodeFixAssembly_FromThePackage_LoadsInTheWorkspace()
        {
            using var opened = await OpenAsync(_packages.RuntimeConsumer);
            var references = PackageAnalyzerReferences(opened.Project);
            var codeFixes = Assert.Single(references, r => Path.GetFileName(r.FullPath) == "PackedAlloc.CodeFixes.dll");
            var assembly = codeFixes.GetAssembly();
            Assert.Equal("PackedAlloc.CodeFixes", assembly.GetName().Name);

            // Every fixer the package ships fixes rules that the package's analyzers report.
            var reported = references.SelectMany(r => r.GetAnalyzers(LanguageNames.CSharp))
                .SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToHashSet();
            foreach (var fixer in CodeFixProviders(assembly))
            {
                Assert.NotEmpty(fixer.FixableDiagnosticIds);
                Assert.All(fixer.FixableDiagnosticIds, id => Assert.Contains(id, reported));
            }
        }

        // Applying the package's code fixes through the workspace (issue 6) goes here once PackedAlloc.CodeFixes
        // has fixers: for each PA diagnostic from the analyzers above, get each CodeFixProvider from
        // CodeFixProviders(...), register its actions with a CodeFixContext, apply the CodeAction's
        // ApplyChangesOperation to opened.Workspace.CurrentSolution, write the changed documents back to the
        // consumer (a copy of it, so other tests keep their driver) and check `dotnet build` of it is clean.

        /// <summary>The analyzer references the project takes from the PackedAlloc packages, by path.</summary>
        private IReadOnlyList<AnalyzerFileReference> PackageAnalyzerReferences(Project project)
        {
            var all = project.AnalyzerReferences.OfType<AnalyzerFileReference>().ToList();
            var packageFolder = Path.Combine(_packages.PackagesFolder, "packedalloc.runtime", _packages.Version,
                "analyzers", "dotnet", "roslyn4.8", "cs") + Path.DirectorySeparatorChar;
            var fromPackage = all.Where(r => r.FullPath.StartsWith(packageFolder, StringComparison.Ordinal)).ToList();
            Assert.True(fromPackage.Count == 2,
                $"expected PackedAlloc.Analyzers.dll and PackedAlloc.CodeFixes.dll under {packageFolder}; the project has:\n"
                + string.Join("\n", all.Select(r => r.FullPath)));
            return fromPackage;
        }

        private static IEnumerable<CodeFixProvider> CodeFixProviders(Assembly assembly) =>
            assembly.GetTypes()
                .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t)
                            && t.GetCustomAttributes<ExportCodeFixProviderAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)))
                .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!);

        private static void AssertSpan(SourceSpot expected, Location actual, string expectedText)
        {
            Assert.True(actual.IsInSource, $"{actual} is not in source");
            Assert.Equal(new TextSpan(expected.Start, expected.Length), actual.SourceSpan);
            Assert.Equal(expectedText, actual.SourceTree!.GetText().ToString(actual.SourceSpan));
        }

        private async Task<OpenedProject> OpenAsync(Consumer consumer)
        {
            var workspace = MSBuildWorkspace.Create();
            var failures = new List<string>();
            workspace.WorkspaceFailed += (_, e) => { lock (failures) failures.Add($"{e.Diagnostic.Kind}: {e.Diagnostic.Message}"); };
            try
            {
                var project = await workspace.OpenProjectAsync(consumer.ProjectPath);
                foreach (var f in failures) _output.WriteLine(f);
                Assert.DoesNotContain(failures, f => f.StartsWith(nameof(WorkspaceDiagnosticKind.Failure), StringComparison.Ordinal));
                return new OpenedProject(workspace, project);
            }
            catch
            {
                workspace.Dispose();
                throw;
            }
        }

        /// <summary>MSBuild comes from the SDK that runs the tests; registered once, before any MSBuild type loads.</summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void RegisterMSBuild()
        {
            lock (LocatorGate)
            {
                if (!MSBuildLocator.IsRegistered) MSBuildLocator.RegisterDefaults();
            }
        }

        private sealed class OpenedProject : IDisposable
        {
            public OpenedProject(MSBuildWorkspace workspace, Project project)
            {
                Workspace = workspace;
                Project = project;
            }

            public MSBuildWorkspace Workspace { get; }

            public Project Project { get; }

            public void Dispose() => Workspace.Dispose();
        }
    }
}
