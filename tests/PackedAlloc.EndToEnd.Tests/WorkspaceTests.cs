using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Build.Locator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
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

        /// <summary>
        /// The IDE's light bulb, fix by fix: for each of the package's three PA0001 fixers, on a copy of the original
        /// solution, take the first PA0001 the package's analyzers report, ask the fixer for its actions with a
        /// CodeFixContext, apply the action's ApplyChangesOperation, analyse the new solution again, and repeat until
        /// no PA0001 is left. Each fix must take exactly one application per hazard, keep the code compiling, produce
        /// the expected text, and build clean with `dotnet build` once written to disk.
        /// </summary>
        [Fact]
        public async Task PackageCodeFixes_AppliedThroughTheWorkspace_LeaveNoPA0001_AndBuildClean()
        {
            var consumer = _packages.CreateRuntimeConsumer("workspace-fixes", FixableDriver.Sources);
            using var opened = await OpenAsync(consumer);
            var projectId = opened.Project.Id;
            var original = opened.Workspace.CurrentSolution;
            var references = PackageAnalyzerReferences(opened.Project);
            var analyzers = references.SelectMany(r => r.GetAnalyzers(LanguageNames.CSharp)).ToImmutableArray();
            var fixers = CodeFixProviders(Assert.Single(references, r => Path.GetFileName(r.FullPath) == "PackedAlloc.CodeFixes.dll").GetAssembly()).ToList();

            var fixes = new (string Fixer, string EquivalenceKey, IReadOnlyDictionary<string, string> Expected)[]
            {
                ("RemovePackedFlagCodeFix", "PA0001.RemovePackedFlag", FixableDriver.RemovePackedFlag),
                ("MapThroughSwiotlbCodeFix", "PA0001.MapThroughSwiotlb", FixableDriver.MapThroughSwiotlb),
                ("BounceWhenNeededCodeFix", "PA0001.BounceWhenNeeded", FixableDriver.BounceWhenNeeded),
            };
            Assert.Equal(fixes.Select(f => f.Fixer).OrderBy(n => n, StringComparer.Ordinal),
                fixers.Where(f => f.FixableDiagnosticIds.Contains("PA0001")).Select(f => f.GetType().Name).OrderBy(n => n, StringComparer.Ordinal));

            // The other rules' fixes ship in the same assembly (FormatTests applies PA0003's through dotnet format).
            Assert.Equal(new[] { "PA0003", "PA0004", "PA0006", "PA0007" }, fixers.SelectMany(f => f.FixableDiagnosticIds).Where(id => id != "PA0001").Distinct().OrderBy(id => id, StringComparer.Ordinal));

            var hazards = await PA0001Async(original.GetProject(projectId)!, analyzers);
            Assert.Equal(FixableDriver.Hazards, hazards.Select(d => (Path.GetFileName(d.Location.SourceTree!.FilePath), d.Location.GetLineSpan().StartLinePosition.Line + 1)));

            foreach (var (fixerName, equivalenceKey, expected) in fixes)
            {
                var fixer = fixers.Single(f => f.GetType().Name == fixerName);
                var solution = original;
                for (int applied = 0; ; applied++)
                {
                    var diagnostics = await PA0001Async(solution.GetProject(projectId)!, analyzers);
                    if (diagnostics.IsEmpty)
                    {
                        Assert.Equal(FixableDriver.Hazards.Count, applied);
                        break;
                    }

                    Assert.True(applied < FixableDriver.Hazards.Count,
                        $"{fixerName}: PA0001 still reported after {applied} fixes:\n{string.Join("\n", diagnostics)}\n{await TextsAsync(solution, projectId)}");
                    var diagnostic = diagnostics[0];
                    var document = solution.GetDocument(diagnostic.Location.SourceTree);
                    Assert.NotNull(document);
                    var actions = new List<CodeAction>();
                    await fixer.RegisterCodeFixesAsync(new CodeFixContext(document!, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
                    var offered = Assert.Single(actions);
                    Assert.Equal(equivalenceKey, offered.EquivalenceKey);
                    var operations = await offered.GetOperationsAsync(CancellationToken.None);
                    solution = Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
                }

                var project = solution.GetProject(projectId)!;
                foreach (var (file, text) in expected)
                {
                    var document = Assert.Single(project.Documents, d => Path.GetFileName(d.FilePath) == file);
                    Assert.Equal(text, FixableDriver.Normalize((await document.GetTextAsync()).ToString()));
                }

                // The fixed files on disk, in this test's own consumer, built by the real compiler.
                try
                {
                    foreach (var document in project.Documents.Where(d => expected.ContainsKey(Path.GetFileName(d.FilePath)!)))
                    {
                        File.WriteAllText(document.FilePath!, (await document.GetTextAsync()).ToString());
                    }

                    var build = consumer.Build();
                    _output.WriteLine($"{fixerName}: {build}");
                    Assert.True(build.Succeeded, build.ToString());
                    BuildAssert.AnalyzerLoaded(build);
                    Assert.Empty(build.WithId("PA0001"));
                    Assert.DoesNotContain(build.Diagnostics, d => d.Severity == "error");
                }
                finally
                {
                    foreach (var (file, text) in FixableDriver.Sources) File.WriteAllText(Path.Combine(consumer.Directory, file), text);
                }
            }
        }

        /// <summary>The PA0001 of the package's analyzers, in file and position order, on a project that compiles.</summary>
        private static async Task<ImmutableArray<Diagnostic>> PA0001Async(Project project, ImmutableArray<DiagnosticAnalyzer> analyzers)
        {
            var compilation = await project.GetCompilationAsync();
            Assert.NotNull(compilation);
            var errors = compilation!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, "the code does not compile:\n" + string.Join("\n", errors) + "\n" + await TextsAsync(project.Solution, project.Id));
            var diagnostics = await compilation.WithAnalyzers(analyzers, project.AnalyzerOptions).GetAnalyzerDiagnosticsAsync();
            Assert.DoesNotContain(diagnostics, d => d.Id == "AD0001");
            return diagnostics.Where(d => d.Id == "PA0001")
                .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
                .ThenBy(d => d.Location.SourceSpan.Start)
                .ToImmutableArray();
        }

        private static async Task<string> TextsAsync(Solution solution, ProjectId projectId)
        {
            var texts = new List<string>();
            foreach (var document in solution.GetProject(projectId)!.Documents.Where(d => d.FilePath?.EndsWith(".cs", StringComparison.Ordinal) == true && !d.FilePath.Contains("obj", StringComparison.Ordinal)))
            {
                texts.Add($"--- {Path.GetFileName(document.FilePath)}\n{await document.GetTextAsync()}");
            }

            return string.Join("\n", texts);
        }

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
