using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using PackedAlloc.Analyzers;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// PA0004's fix: in the sleeping allocation's flags argument, the sleeping base flags (GFP_KERNEL, GFP_NOIO,
    /// GFP_NOFS) become GFP_ATOMIC, the other flags stay. Offered when the argument names one of them.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseGfpAtomicCodeFix)), Shared]
    public sealed class UseGfpAtomicCodeFix : InvocationCodeFix
    {
        public const string EquivalenceKey = "PA0004.UseGfpAtomic";

        private static readonly ImmutableHashSet<string> SleepingBases = ImmutableHashSet.Create("GFP_KERNEL", "GFP_NOIO", "GFP_NOFS");

        protected override string RuleId => Descriptors.SleepInAtomicContextId;

        protected override string Title => "Use GFP_ATOMIC";

        protected override string Key => EquivalenceKey;

        internal override SyntaxNode? Fix(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, InvocationExpressionSyntax invocation, CancellationToken cancellationToken)
        {
            if (model.GetOperation(invocation, cancellationToken) is not IInvocationOperation call)
            {
                return null;
            }

            var flags = call.Arguments.FirstOrDefault(a => !a.IsImplicit && a.Parameter?.Type.Name == "GfpFlags")?.Syntax as ArgumentSyntax;
            var sleeping = flags?.Expression.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
                .Where(n => SleepingBases.Contains(n.Identifier.ValueText)
                    && model.GetSymbolInfo(n, cancellationToken).Symbol?.ContainingType?.ToDisplayString() == "PackedAlloc.Runtime.Kernel")
                .ToList();
            if (sleeping == null || sleeping.Count == 0)
            {
                return null;
            }

            return root.ReplaceNodes(sleeping, (original, _) =>
                original.WithIdentifier(SyntaxFactory.Identifier(original.Identifier.LeadingTrivia, "GFP_ATOMIC", original.Identifier.TrailingTrivia)));
        }
    }
}
