using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using PackedAlloc.Analyzers.Tests.Infrastructure;

namespace PackedAlloc.Analyzers.Tests
{
    /// <summary>
    /// The Kernel API takes the caller's file, line and member as optional <c>[Caller…]</c> parameters (for the runtime's
    /// allocation sites, issue 15), with overloads without them for delegates. A direct call binds the overload with
    /// them, as users' compilers (C# 13 and later) do; the analyzer must recognise it, and fixes must not print the
    /// arguments the compiler supplies.
    /// </summary>
    public class CallerLocationOverloadsTests
    {
        [Fact]
        public void DirectCalls_BindTheOverloadsWithTheCallersLocation_DelegatesTheOnesWithout()
        {
            var compilation = FlowRunner.Compilation(new[] { @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL);
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE);
        System.Func<int, GfpFlags, KernelPtr> allocate = kmalloc;
    }
}" });
            var tree = compilation.SyntaxTrees.Single();
            var model = compilation.GetSemanticModel(tree);
            var root = tree.GetRoot();
            foreach (var call in root.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                var invocation = (IInvocationOperation)model.GetOperation(call)!;
                Assert.Equal("file", invocation.TargetMethod.Parameters[^3].Name);
                Assert.Equal(3, invocation.Arguments.Count(a => a.ArgumentKind == ArgumentKind.DefaultValue));
            }

            var methodGroup = root.DescendantNodes().OfType<VariableDeclaratorSyntax>().Single(v => v.Identifier.Text == "allocate");
            var conversion = (IDelegateCreationOperation)((IVariableInitializerOperation)model.GetOperation(methodGroup.Initializer!)!).Value;
            Assert.Equal(2, ((IMethodReferenceOperation)conversion.Target).Method.Parameters.Length);
            Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        }

        [Fact]
        public void ArgumentsTheCompilerFillsIn_CostTheFlowNoSteps()
        {
            const string Driver = @"
class Driver
{
    void Receive(Device dev)
    {
        KernelPtr buf = kmalloc(24, GFP_KERNEL | __GFP_PACKED ARGS);
        dma_map_single(dev, buf, 24, DMA_FROM_DEVICE ARGS);
    }
}";
            var implicitLocation = FlowRunner.Run(Driver.Replace(" ARGS", ""));
            var explicitLocation = FlowRunner.Run(Driver.Replace(" ARGS", @", ""Driver.cs"", 6, ""Receive"""));

            // The same finding, and the location the compiler supplies is not walked like arguments the code spells out.
            Assert.Single(implicitLocation.Hits);
            Assert.Single(explicitLocation.Hits);
            Assert.True(implicitLocation.TotalSteps < explicitLocation.TotalSteps);
        }

        [Theory]
        [InlineData("GFP_KERNEL | __GFP_PACKED", true)]
        [InlineData("GFP_KERNEL", false)]
        public Task CallsGivingTheLocationExplicitly_AreRecognised(string flags, bool warns) => Verify.Analyzer($@"
class Driver
{{
    void Receive(Device dev)
    {{
        KernelPtr buf = kmalloc(24, {flags}, ""Driver.cs"", 6, ""Receive"");
        dma_map_single(dev, {(warns ? "{|#0:buf|}" : "buf")}, 24, DMA_FROM_DEVICE, ""Driver.cs"", 7, member: ""Receive"");
    }}
}}", warns ? new[] { Verify.Diagnostic() } : System.Array.Empty<Microsoft.CodeAnalysis.Testing.DiagnosticResult>());
    }
}
