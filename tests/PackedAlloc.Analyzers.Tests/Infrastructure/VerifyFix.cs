using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using PackedAlloc.Analyzers.Rules;

namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>CSharpCodeFixTest over PA0001 with the offline references; sources get <see cref="Verify.Usings"/> in front.</summary>
    internal static class VerifyFix<TFix>
        where TFix : CodeFixProvider, new()
    {
        public static Test Create(string source, string fixedSource) => Create(new[] { source }, new[] { fixedSource });

        public static Test Create(string[] sources, string[] fixedSources)
        {
            var test = new Test();
            for (int i = 0; i < sources.Length; i++)
            {
                test.TestState.Sources.Add(("/0/Test" + i + ".cs", Verify.Usings + sources[i]));
            }

            for (int i = 0; i < fixedSources.Length; i++)
            {
                test.FixedState.Sources.Add(("/0/Test" + i + ".cs", Verify.Usings + fixedSources[i]));
            }

            return test;
        }

        public sealed class Test : CSharpCodeFixTest<DmaFlowAnalyzer, TFix, DefaultVerifier>
        {
            public Test()
            {
                ReferenceAssemblies = TestReferences.Net10;
                TestState.AdditionalReferences.AddRange(TestReferences.All);
                FixedState.AdditionalReferences.AddRange(TestReferences.All);

                // Each rule's fixes are tested with that rule on (see RuleSelection).
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

            /// <summary>The fix must not be offered: the source stays as it is and the diagnostics remain.</summary>
            public Test NotOffered()
            {
                FixedState.Sources.Clear();
                foreach (var source in TestState.Sources) FixedState.Sources.Add(source);
                FixedState.ExpectedDiagnostics.AddRange(ExpectedDiagnostics);
                return this;
            }

            public Task RunAsync() => RunAsync(CancellationToken.None);
        }
    }
}
