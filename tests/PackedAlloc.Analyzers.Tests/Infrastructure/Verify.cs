using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using PackedAlloc.Analyzers.Rules;

namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>
    /// VerifyCS-style helpers over Microsoft.CodeAnalysis.Testing. A test checks PA0001 and PA0002 unless it asks for
    /// the mapping-check rules (<see cref="Test.WithMappingChecks"/>, <see cref="MappingAnalyzer"/>): the PA0001
    /// tests map buffers to show where they go, not how a driver checks its mappings.
    /// </summary>
    internal static class Verify
    {
        /// <summary>The usings every test source starts with, as driver code written against the runtime does.</summary>
        public const string Usings = "using System;\nusing System.Collections.Generic;\nusing PackedAlloc.Runtime;\nusing static PackedAlloc.Runtime.Kernel;\n";

        [ModuleInitializer]
        internal static void SurfaceAnalyzerFailures() =>
            DmaFlowAnalyzer.FailureObserver = exception =>
                throw new InvalidOperationException("The analyzer failed: " + exception, exception);

        public static DiagnosticResult Diagnostic(int markupKey = 0) =>
            new DiagnosticResult(Descriptors.PackedBufferReachesDmaId, DiagnosticSeverity.Warning).WithLocation(markupKey).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

        /// <summary>One PA0001 at markup 0 where <paramref name="warns"/>, none otherwise: for the tests run both ways.</summary>
        public static DiagnosticResult[] DiagnosticIf(bool warns) => warns ? new[] { Diagnostic() } : Array.Empty<DiagnosticResult>();

        /// <summary>PA0001 with its full message, for the tests that check the wording.</summary>
        public static DiagnosticResult DiagnosticWithMessage(string allocator, string allocationSite, string mapping, int markupKey = 0) =>
            new DiagnosticResult(Descriptors.PackedBufferReachesDma).WithLocation(markupKey)
                .WithOptions(DiagnosticOptions.IgnoreAdditionalLocations)
                .WithArguments(allocator, allocationSite, mapping);

        public static Test Create(params string[] sources)
        {
            var test = new Test();
            foreach (var source in sources)
            {
                test.TestState.Sources.Add(Usings + source);
            }

            return test;
        }

        /// <summary>PA0003 at markup <paramref name="markupKey"/>: the mapping call whose result goes unchecked.</summary>
        public static DiagnosticResult Unchecked(int markupKey = 0) =>
            new DiagnosticResult(Descriptors.MappingErrorNotCheckedId, DiagnosticSeverity.Warning).WithLocation(markupKey).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

        /// <summary>One PA0003 at markup 0 where <paramref name="warns"/>, none otherwise.</summary>
        public static DiagnosticResult[] UncheckedIf(bool warns) => warns ? new[] { Unchecked() } : Array.Empty<DiagnosticResult>();

        /// <summary>PA0007 at markup <paramref name="markupKey"/>.</summary>
        public static DiagnosticResult Lifetime(int markupKey = 0) =>
            new DiagnosticResult(Descriptors.MappingLifetimeBrokenId, DiagnosticSeverity.Warning).WithLocation(markupKey).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

        /// <summary>One PA0007 at markup 0 where <paramref name="warns"/>, none otherwise.</summary>
        public static DiagnosticResult[] LifetimeIf(bool warns) => warns ? new[] { Lifetime() } : Array.Empty<DiagnosticResult>();

        /// <summary>PA0004 at markup <paramref name="markupKey"/>.</summary>
        public static DiagnosticResult Sleep(int markupKey = 0) =>
            new DiagnosticResult(Descriptors.SleepInAtomicContextId, DiagnosticSeverity.Warning).WithLocation(markupKey).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

        /// <summary>One PA0004 at markup 0 where <paramref name="warns"/>, none otherwise.</summary>
        public static DiagnosticResult[] SleepIf(bool warns) => warns ? new[] { Sleep() } : Array.Empty<DiagnosticResult>();

        /// <summary>PA0005 at markup <paramref name="markupKey"/>.</summary>
        public static DiagnosticResult ChosenByInAtomic(int markupKey = 0) =>
            new DiagnosticResult(Descriptors.FlagsChosenByInAtomicId, DiagnosticSeverity.Warning).WithLocation(markupKey).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

        /// <summary>One PA0005 at markup 0 where <paramref name="warns"/>, none otherwise.</summary>
        public static DiagnosticResult[] ChosenByInAtomicIf(bool warns) => warns ? new[] { ChosenByInAtomic() } : Array.Empty<DiagnosticResult>();

        /// <summary>PA0006 at markup <paramref name="markupKey"/>.</summary>
        public static DiagnosticResult Touch(int markupKey = 0) =>
            new DiagnosticResult(Descriptors.CpuTouchesDeviceBufferId, DiagnosticSeverity.Warning).WithLocation(markupKey).WithOptions(DiagnosticOptions.IgnoreAdditionalLocations);

        /// <summary>One PA0006 at markup 0 where <paramref name="warns"/>, none otherwise.</summary>
        public static DiagnosticResult[] TouchIf(bool warns) => warns ? new[] { Touch() } : Array.Empty<DiagnosticResult>();

        /// <summary>Runs the analyzer with PA0006 on (PA0001 too).</summary>
        public static Task OwnershipAnalyzer(string source, params DiagnosticResult[] expected)
        {
            var test = Create(source).WithOwnershipChecks();
            test.ExpectedDiagnostics.AddRange(expected);
            return test.RunAsync(CancellationToken.None);
        }

        /// <summary>Runs the analyzer with PA0004 and PA0005 on (PA0001 too).</summary>
        public static Task AtomicAnalyzer(string source, params DiagnosticResult[] expected)
        {
            var test = Create(source).WithAtomicChecks();
            test.ExpectedDiagnostics.AddRange(expected);
            return test.RunAsync(CancellationToken.None);
        }

        /// <summary>Runs the analyzer with PA0007 on (PA0001 too).</summary>
        public static Task LifetimeAnalyzer(string source, params DiagnosticResult[] expected)
        {
            var test = Create(source).WithLifetimeChecks();
            test.ExpectedDiagnostics.AddRange(expected);
            return test.RunAsync(CancellationToken.None);
        }

        /// <summary>Runs the analyzer with the mapping-check rule on (PA0001 too).</summary>
        public static Task MappingAnalyzer(string source, params DiagnosticResult[] expected)
        {
            var test = Create(source).WithMappingChecks();
            test.ExpectedDiagnostics.AddRange(expected);
            return test.RunAsync(CancellationToken.None);
        }

        public static Task Analyzer(string source, params DiagnosticResult[] expected)
        {
            var test = Create(source);
            test.ExpectedDiagnostics.AddRange(expected);
            return test.RunAsync(CancellationToken.None);
        }

        public sealed class Test : CSharpAnalyzerTest<DmaFlowAnalyzer, DefaultVerifier>
        {
            public Test()
            {
                ReferenceAssemblies = TestReferences.Net10;
                TestState.AdditionalReferences.AddRange(TestReferences.All);
                DisabledDiagnostics.AddRange(RuleSelection.OffByDefault);
            }

            /// <summary>Reports PA0003 too.</summary>
            public Test WithMappingChecks() => Enable(RuleSelection.MappingChecks);

            /// <summary>Reports PA0007 too.</summary>
            public Test WithLifetimeChecks() => Enable(RuleSelection.LifetimeChecks);

            /// <summary>Reports the atomic-context rules too (PA0004, PA0005).</summary>
            public Test WithAtomicChecks() => Enable(RuleSelection.AtomicChecks);

            /// <summary>Reports PA0006 too.</summary>
            public Test WithOwnershipChecks() => Enable(RuleSelection.OwnershipChecks);

            private Test Enable(string[] ids)
            {
                foreach (var id in ids) DisabledDiagnostics.Remove(id);
                return this;
            }

            public Test Expect(params DiagnosticResult[] expected)
            {
                ExpectedDiagnostics.AddRange(expected);
                return this;
            }

            public Task RunAsync() => RunAsync(CancellationToken.None);

            /// <summary>Sets .editorconfig options for every file.</summary>
            public Test WithOptions(string options)
            {
                TestState.AnalyzerConfigFiles.Add(("/.editorconfig", "root = true\n\n[*]\n" + options + "\n"));
                return this;
            }

            protected override CompilationOptions CreateCompilationOptions() =>
                base.CreateCompilationOptions().WithSpecificDiagnosticOptions(
                    base.CreateCompilationOptions().SpecificDiagnosticOptions.SetItem("CS1701", ReportDiagnostic.Suppress).SetItem("CS1702", ReportDiagnostic.Suppress));
        }
    }
}
