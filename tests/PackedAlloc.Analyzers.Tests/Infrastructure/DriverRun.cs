using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using PackedAlloc.Analyzers.Rules;
using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

namespace PackedAlloc.Analyzers.Tests.Infrastructure
{
    /// <summary>
    /// A driver (a public static class <c>Driver</c> with <c>Run(Device dev, KernelPtr buf)</c>) compiled, analysed,
    /// and run on an emulated machine with dma-debug; the device is removed at the end, as when its driver is
    /// unbound (dma-debug then reports the mappings left). What the analyzer reported and what the kernel did.
    /// </summary>
    internal static class DriverRun
    {
        /// <summary>A driver's source: <paramref name="members"/> (helpers, fields) and the body of its <c>Run(Device dev, KernelPtr buf)</c>.</summary>
        public static string Source(string members, string runBody) => @"using PackedAlloc.Runtime;
using static PackedAlloc.Runtime.Kernel;

public static class Driver
{
" + members + @"

    public static void Run(Device dev, KernelPtr buf)
    {" + runBody + @"
    }
}
";

        public static async Task<(ImmutableArray<Diagnostic> Diagnostics, IReadOnlyList<DebugReport> Reports)> AnalyseAndRunAsync(string source, bool preemptCount = true)
        {
            var compilation = CSharpCompilation.Create("Driver" + Guid.NewGuid().ToString("N"),
                new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), "Driver.cs") },
                TestReferences.All, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
            var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (errors.Count > 0)
            {
                throw new InvalidOperationException("the driver does not compile: " + errors[0]);
            }

            var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DmaFlowAnalyzer()))
                .GetAnalyzerDiagnosticsAsync();

            using var image = new MemoryStream();
            if (!compilation.Emit(image).Success)
            {
                throw new InvalidOperationException("the driver does not emit");
            }

            var run = Assembly.Load(image.ToArray()).GetType("Driver")!.GetMethod("Run")!;
            var machine = Machine.Boot(new MachineOptions { Log = TextWriter.Null, PreemptCount = preemptCount });
            using (machine.Enter())
            {
                var dev = machine.CreateDevice("eth0", coherent: false);
                run.Invoke(null, new object[] { dev, kmalloc(256, GFP_KERNEL) });
                machine.RemoveDevice(dev);
            }

            return (diagnostics, machine.DebugReports.ToList());
        }
    }
}
