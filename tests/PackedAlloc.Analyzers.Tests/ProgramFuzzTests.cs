using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using PackedAlloc.Analyzers.Rules;
using PackedAlloc.Analyzers.Tests.Infrastructure;
using PackedAlloc.CodeFixes;
using Xunit.Abstractions;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// Every analyzer and every code fix of the package on programs nobody wrote (<see cref="ProgramGenerator"/>):
    /// no analyzer exception (also none the analyzer swallows: its failure observer throws in tests), the step
    /// budgets hold, and every fix offered leaves a program that compiles without an error it did not have. CI runs
    /// a few hundred programs; a larger run is one command away:
    /// <c>PACKEDALLOC_FUZZ_PROGRAMS=20000 dotnet test tests/PackedAlloc.Analyzers.Tests --filter ProgramFuzzTests</c>
    /// (<c>PACKEDALLOC_FUZZ_SEED</c> moves the first seed, <c>PACKEDALLOC_FUZZ_DUMP</c> names a folder to write the
    /// programs to; a failure names the seed and prints the program).
    /// </summary>
    public class ProgramFuzzTests
    {
        private const int DefaultPrograms = 200;

        // Fixes are tried on the first diagnostics of a program only: each application compiles the program again.
        private const int FixedDiagnosticsPerProgram = 3;

        private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(DmaFlowAnalyzer).Assembly.GetTypes()
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();

        private static readonly ImmutableArray<CodeFixProvider> Fixes = typeof(RemovePackedFlagCodeFix).Assembly.GetTypes()
            .Where(t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToImmutableArray();

        private readonly ITestOutputHelper _output;

        public ProgramFuzzTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public async Task GeneratedPrograms_NoAnalyzerFailure_BudgetsHold_FixesCompile()
        {
            Assert.NotEmpty(Analyzers);
            Assert.True(Fixes.Length >= 3, "expected the package's code fixes, found " + Fixes.Length);
            int programs = TestSettings.Read("PACKEDALLOC_FUZZ_PROGRAMS", DefaultPrograms);
            int firstSeed = TestSettings.Read("PACKEDALLOC_FUZZ_SEED", 1);
            var totals = new Totals();
            for (int seed = firstSeed; seed < firstSeed + programs; seed++)
            {
                var program = ProgramGenerator.Generate(seed);
                if (Environment.GetEnvironmentVariable("PACKEDALLOC_FUZZ_DUMP") is { Length: > 0 } dump)
                {
                    System.IO.Directory.CreateDirectory(dump);
                    System.IO.File.WriteAllText(System.IO.Path.Combine(dump, $"seed{seed}.cs"), Verify.Usings + program.Text);
                }

                var watch = System.Diagnostics.Stopwatch.StartNew();
                try
                {
                    await CheckAsync(program, totals);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    throw new Xunit.Sdk.XunitException($"seed {seed}: {exception.Message}\n--- program ---\n{program.Text}", exception);
                }

                if (watch.ElapsedMilliseconds > totals.SlowestMilliseconds)
                {
                    (totals.SlowestMilliseconds, totals.SlowestSeed) = (watch.ElapsedMilliseconds, seed);
                }
            }

            _output.WriteLine(totals.ToString());
            Assert.Equal(programs, totals.Programs);

            // The generator must produce what the test is for: programs that compile, warnings, and fixes applied.
            Assert.True(totals.Compiling > programs / 2, totals.ToString());
            Assert.True(totals.Warnings > 0 && totals.FixesApplied > 0, totals.ToString());
            Assert.True(totals.MappingWarnings > 0 && totals.MappingFixesApplied > 0, totals.ToString());
            Assert.True(totals.LifetimeWarnings > 0 && totals.AtomicWarnings > 0 && totals.ChoiceWarnings > 0, totals.ToString());
        }

        private static async Task CheckAsync(ProgramGenerator program, Totals totals)
        {
            using var workspace = new AdhocWorkspace();
            var project = workspace.AddProject(ProjectInfo.Create(ProjectId.CreateNewId(), VersionStamp.Default, "Fuzz", "Fuzz", LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Disable),
                parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
                metadataReferences: TestReferences.All));
            var document = workspace.AddDocument(project.Id, "Program.cs", SourceText.From(Verify.Usings + program.Text));
            var compilation = (await document.Project.GetCompilationAsync())!;
            var errors = Errors(compilation);
            totals.Programs++;
            if (errors.Count == 0)
            {
                totals.Compiling++;
            }
            else if (!program.Broken)
            {
                throw new InvalidOperationException("the generator wrote a program that does not compile: " + errors.First());
            }

            var diagnostics = await AnalyzeAsync(compilation);
            totals.Warnings += diagnostics.Count(d => d.Id == Descriptors.PackedBufferReachesDmaId);
            totals.Notices += diagnostics.Count(d => d.Id == Descriptors.AnalysisBudgetExceededId);
            totals.MappingWarnings += diagnostics.Count(d => d.Id == Descriptors.MappingErrorNotCheckedId);
            totals.LifetimeWarnings += diagnostics.Count(d => d.Id == Descriptors.MappingLifetimeBrokenId);
            totals.AtomicWarnings += diagnostics.Count(d => d.Id == Descriptors.SleepInAtomicContextId);
            totals.OwnershipWarnings += diagnostics.Count(d => d.Id == Descriptors.CpuTouchesDeviceBufferId);
            totals.ChoiceWarnings += diagnostics.Count(d => d.Id == Descriptors.FlagsChosenByInAtomicId);
            CheckBudgets(compilation);

            if (errors.Count > 0)
            {
                // A fix on broken code only has to not crash, which applying it below would not add to.
                return;
            }

            var toFix = diagnostics.Where(d => d.Id == Descriptors.PackedBufferReachesDmaId).Take(FixedDiagnosticsPerProgram)
                .Concat(diagnostics.Where(d => d.Id == Descriptors.MappingErrorNotCheckedId).Take(FixedDiagnosticsPerProgram))
                .Concat(diagnostics.Where(d => d.Id == Descriptors.MappingLifetimeBrokenId).Take(FixedDiagnosticsPerProgram))
                .Concat(diagnostics.Where(d => d.Id == Descriptors.SleepInAtomicContextId).Take(FixedDiagnosticsPerProgram))
                .Concat(diagnostics.Where(d => d.Id == Descriptors.CpuTouchesDeviceBufferId).Take(FixedDiagnosticsPerProgram));
            foreach (var diagnostic in toFix)
            {
                foreach (var fix in Fixes.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    foreach (var action in await OfferedAsync(fix, document, diagnostic))
                    {
                        var changed = await AppliedAsync(action);
                        if (changed == null)
                        {
                            continue;
                        }

                        var fixedCompilation = (await changed.GetProject(project.Id)!.GetCompilationAsync())!;
                        var newErrors = Errors(fixedCompilation);
                        if (newErrors.Count > 0)
                        {
                            var text = await changed.GetDocument(document.Id)!.GetTextAsync();
                            throw new InvalidOperationException($"{fix.GetType().Name} ('{action.Title}') for {diagnostic} left errors: {newErrors.First()}\n--- fixed ---\n{text}");
                        }

                        totals.FixesApplied++;
                        if (diagnostic.Id == Descriptors.MappingErrorNotCheckedId) totals.MappingFixesApplied++;
                    }
                }
            }
        }

        /// <summary>Every analyzer of the package, concurrently as in a build; an exception anywhere fails the test.</summary>
        private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation)
        {
            var exceptions = new ConcurrentBag<Exception>();
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                (exception, analyzer, diagnostic) => exceptions.Add(exception), concurrentAnalysis: true, logAnalyzerExecutionTime: false);
            var diagnostics = await compilation.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync(CancellationToken.None);
            if (!exceptions.IsEmpty)
            {
                throw new InvalidOperationException("an analyzer threw: " + exceptions.First());
            }

            var crash = diagnostics.FirstOrDefault(d => d.Id == "AD0001");
            if (crash != null)
            {
                throw new InvalidOperationException("AD0001: " + crash.GetMessage());
            }

            return diagnostics;
        }

        /// <summary>The flow's own count of its work stays within the compilation's budget, whatever the program.</summary>
        private static void CheckBudgets(Compilation compilation)
        {
            var flow = FlowRunner.Create(compilation);
            if (flow == null)
            {
                return;
            }

            flow.Run();
            if (flow.TotalSteps > flow.StepBudget)
            {
                throw new InvalidOperationException($"{flow.TotalSteps} steps against a budget of {flow.StepBudget}");
            }
        }

        private static async Task<List<CodeAction>> OfferedAsync(CodeFixProvider fix, Document document, Diagnostic diagnostic)
        {
            var actions = new List<CodeAction>();
            var context = new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None);
            await fix.RegisterCodeFixesAsync(context);
            // The package's fixes offer plain actions (no nested menus), so each one is applied as it is.
            return actions;
        }

        private static async Task<Solution?> AppliedAsync(CodeAction action)
        {
            var operations = await action.GetOperationsAsync(CancellationToken.None);
            return operations.OfType<ApplyChangesOperation>().FirstOrDefault()?.ChangedSolution;
        }

        private static List<Diagnostic> Errors(Compilation compilation) =>
            compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

        private sealed class Totals
        {
            public int Programs;
            public int Compiling;
            public int Warnings;
            public int Notices;
            public int FixesApplied;
            public int MappingWarnings;
            public int MappingFixesApplied;
            public int LifetimeWarnings;
            public int AtomicWarnings;
            public int OwnershipWarnings;
            public int ChoiceWarnings;
            public long SlowestMilliseconds;
            public int SlowestSeed;

            public override string ToString() =>
                $"{Programs} programs ({Compiling} compile, {Programs - Compiling} broken on purpose), {Warnings} PA0001, {Notices} PA0002, {MappingWarnings} PA0003, {AtomicWarnings} PA0004, {ChoiceWarnings} PA0005, {OwnershipWarnings} PA0006, {LifetimeWarnings} PA0007, {FixesApplied} fixes applied and compiled ({MappingFixesApplied} of PA0003); slowest: seed {SlowestSeed}, {SlowestMilliseconds} ms";
        }
    }
}
