using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using PackedAlloc.Analyzers;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// PA0007's fix for a mismatch: the unmap or sync call takes the size and direction arguments of the mapping call
    /// (the diagnostic's additional location). Offered when those are constants, so that writing them again means
    /// the same; not for a leak, which has no location of its own to fix.
    /// </summary>
    [ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MatchMappingCodeFix)), Shared]
    public sealed class MatchMappingCodeFix : InvocationCodeFix
    {
        public const string EquivalenceKey = "PA0007.MatchMapping";

        protected override string RuleId => Descriptors.MappingLifetimeBrokenId;

        protected override string Title => "Unmap with the mapping's size and direction";

        protected override string Key => EquivalenceKey;

        internal override SyntaxNode? Fix(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, InvocationExpressionSyntax unmap, CancellationToken cancellationToken)
        {
            // Each mismatch is its own diagnostic (size, direction): its fix rewrites that argument only. A leak has none.
            if (diagnostic.AdditionalLocations.Count == 0 || diagnostic.AdditionalLocations[0].SourceTree != root.SyntaxTree
                || !diagnostic.Properties.TryGetValue("argument", out var argument) || argument == null)
            {
                return null;
            }

            var mapping = root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true).FirstAncestorOrSelf<InvocationExpressionSyntax>();
            var replacement = mapping == null ? null : Matched(model, unmap, mapping, argument, cancellationToken);
            return replacement == null ? null : root.ReplaceNode(unmap, replacement);
        }

        /// <summary>The unmap or sync with the mapping's constant argument for <paramref name="argument"/> ("size" or "dir"); null when nothing would change or it is not a constant.</summary>
        private static InvocationExpressionSyntax? Matched(SemanticModel model, InvocationExpressionSyntax unmap, InvocationExpressionSyntax mapping, string argument, CancellationToken cancellationToken)
        {
            if (model.GetOperation(unmap, cancellationToken) is not IInvocationOperation unmapCall
                || model.GetOperation(mapping, cancellationToken) is not IInvocationOperation mappingCall)
            {
                return null;
            }

            var result = unmap;
            bool changed = false;
            foreach (var name in new[] { argument })
            {
                var from = Argument(mappingCall, name);
                var to = Argument(unmapCall, name);
                if (from == null || to == null || from.Syntax is not ArgumentSyntax fromSyntax || to.Syntax is not ArgumentSyntax toSyntax
                    || !from.Value.ConstantValue.HasValue)
                {
                    continue;
                }

                if (to.Value.ConstantValue.HasValue && Equals(to.Value.ConstantValue.Value, from.Value.ConstantValue.Value))
                {
                    continue;
                }

                var current = result.ArgumentList.Arguments.FirstOrDefault(a => a.Span == toSyntax.Span);
                if (current == null)
                {
                    return null;
                }

                result = result.ReplaceNode(current, current.WithExpression(fromSyntax.Expression.WithoutTrivia()).WithTriviaFrom(current));
                changed = true;
            }

            return changed ? result : null;
        }

        private static IArgumentOperation? Argument(IInvocationOperation call, string parameterName) =>
            call.Arguments.FirstOrDefault(a => a.Parameter?.Name == parameterName && !a.IsImplicit);
    }
}
