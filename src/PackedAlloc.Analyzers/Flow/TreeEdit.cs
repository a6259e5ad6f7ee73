using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// Tells an edit inside method bodies from one that changes declarations. Code outside bodies (types, members,
    /// signatures, attributes, initializers, usings, directives) is what other trees are bound against; an edit that
    /// leaves all of it as it was cannot change how any other tree binds, only what its own bodies do.
    /// </summary>
    internal static class TreeEdit
    {
        /// <summary>Whether <paramref name="before"/> and <paramref name="after"/> differ only inside method, accessor, constructor or operator bodies.</summary>
        public static bool OnlyBodiesChanged(SyntaxTree before, SyntaxTree after, CancellationToken cancellationToken) =>
            before.Options.Equals(after.Options)
            && Skeleton(before.GetRoot(cancellationToken)).SequenceEqual(Skeleton(after.GetRoot(cancellationToken)), System.StringComparer.Ordinal);

        /// <summary>
        /// The tree's tokens outside bodies, with the directives around them, and one entry per body standing for
        /// it (a body holding a directive stands for itself in full: a directive can reach past the body's end).
        /// </summary>
        private static IEnumerable<string> Skeleton(SyntaxNode root)
        {
            foreach (var item in root.DescendantNodesAndTokens(n => !IsBody(n)))
            {
                if (item.IsNode)
                {
                    var node = item.AsNode()!;
                    if (IsBody(node))
                    {
                        yield return node.ContainsDirectives ? node.ToFullString() : "body:" + node.RawKind;
                    }

                    continue;
                }

                var token = item.AsToken();
                foreach (var trivia in token.LeadingTrivia.Concat(token.TrailingTrivia))
                {
                    if (trivia.IsDirective) yield return trivia.ToFullString();
                }

                yield return token.Text;
            }
        }

        private static bool IsBody(SyntaxNode node) =>
            (node is BlockSyntax || node is ArrowExpressionClauseSyntax)
            && (node.Parent is BaseMethodDeclarationSyntax || node.Parent is AccessorDeclarationSyntax
                || (node is ArrowExpressionClauseSyntax && node.Parent is BasePropertyDeclarationSyntax));
    }
}
