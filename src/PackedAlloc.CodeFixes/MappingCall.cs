using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PackedAlloc.CodeFixes
{
    /// <summary>
    /// A <c>dma_map_single(dev, p, n, dir)</c> or <c>dma_map_single_attrs(dev, p, n, dir, attrs)</c> call found from a
    /// PA0001 location, and the swiotlb call that replaces it. Kernel functions are written the way the original call
    /// was (<c>Kernel.x</c> when it was qualified, bare when <c>using static</c> brought it in), so no using is needed.
    /// </summary>
    internal sealed class MappingCall
    {
        private MappingCall(InvocationExpressionSyntax invocation, ExpressionSyntax? qualifier, string name)
        {
            Invocation = invocation;
            Qualifier = qualifier;
            Name = name;
        }

        public InvocationExpressionSyntax Invocation { get; }

        /// <summary>What stood before the function name (<c>Kernel</c> in <c>Kernel.dma_map_single</c>), or null.</summary>
        public ExpressionSyntax? Qualifier { get; }

        public string Name { get; }

        public ArgumentSyntax Device => Invocation.ArgumentList.Arguments[0];
        public ArgumentSyntax Buffer => Invocation.ArgumentList.Arguments[1];
        public ArgumentSyntax Size => Invocation.ArgumentList.Arguments[2];
        public ArgumentSyntax Direction => Invocation.ArgumentList.Arguments[3];
        public ArgumentSyntax? Attributes => Invocation.ArgumentList.Arguments.Count > 4 ? Invocation.ArgumentList.Arguments[4] : null;

        /// <summary>Finds the mapping whose buffer argument is <paramref name="mappedArgument"/>; null for dma_map_sg or named arguments.</summary>
        public static MappingCall? Find(SyntaxNode root, Microsoft.CodeAnalysis.Text.TextSpan mappedArgument)
        {
            var argument = root.FindNode(mappedArgument, getInnermostNodeForTie: true).FirstAncestorOrSelf<ArgumentSyntax>();
            if (argument?.Parent?.Parent is not InvocationExpressionSyntax invocation)
            {
                return null;
            }

            var (qualifier, name) = invocation.Expression switch
            {
                IdentifierNameSyntax identifier => ((ExpressionSyntax?)null, identifier.Identifier.ValueText),
                MemberAccessExpressionSyntax member => (member.Expression, member.Name.Identifier.ValueText),
                _ => (null, string.Empty),
            };

            var arguments = invocation.ArgumentList.Arguments;
            bool single = name == "dma_map_single" && arguments.Count == 4;
            bool attrs = name == "dma_map_single_attrs" && arguments.Count == 5;
            if ((!single && !attrs) || arguments.Any(a => a.NameColon != null || !a.RefKindKeyword.IsKind(SyntaxKind.None)) || arguments[1] != argument)
            {
                return null;
            }

            return new MappingCall(invocation, qualifier, name);
        }

        /// <summary><c>swiotlb_map(dev, virt_to_phys(p), n, dir, attrs or 0)</c>.</summary>
        public InvocationExpressionSyntax SwiotlbMap()
        {
            var physical = SyntaxFactory.InvocationExpression(
                Function("virt_to_phys"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.Argument(Buffer.Expression.WithoutTrivia()))));
            var attributes = Attributes?.Expression.WithoutTrivia()
                ?? SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.Literal(0));
            return SyntaxFactory.InvocationExpression(
                Function("swiotlb_map"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[]
                {
                    Device.WithoutTrivia(),
                    SyntaxFactory.Argument(physical),
                    Size.WithoutTrivia(),
                    Direction.WithoutTrivia(),
                    SyntaxFactory.Argument(attributes),
                })));
        }

        /// <summary><c>dma_kmalloc_needs_bounce(dev, n, dir)</c>.</summary>
        public InvocationExpressionSyntax NeedsBounce() =>
            SyntaxFactory.InvocationExpression(
                Function("dma_kmalloc_needs_bounce"),
                SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(new[] { Device.WithoutTrivia(), Size.WithoutTrivia(), Direction.WithoutTrivia() })));

        /// <summary>
        /// Whether every argument can be written twice without changing what the code does: the conditional fix
        /// repeats them, which is only right for names, constants and member reads.
        /// </summary>
        public bool ArgumentsAreRepeatable() =>
            Invocation.ArgumentList.Arguments.All(a => IsRepeatable(a.Expression));

        private static bool IsRepeatable(ExpressionSyntax expression) => expression switch
        {
            IdentifierNameSyntax => true,
            LiteralExpressionSyntax => true,
            ThisExpressionSyntax => true,
            MemberAccessExpressionSyntax member => IsRepeatable(member.Expression),
            ParenthesizedExpressionSyntax parenthesized => IsRepeatable(parenthesized.Expression),
            CastExpressionSyntax cast => IsRepeatable(cast.Expression),
            BinaryExpressionSyntax binary => IsRepeatable(binary.Left) && IsRepeatable(binary.Right),
            PrefixUnaryExpressionSyntax unary when unary.IsKind(SyntaxKind.UnaryMinusExpression) || unary.IsKind(SyntaxKind.BitwiseNotExpression) => IsRepeatable(unary.Operand),
            _ => false,
        };

        private ExpressionSyntax Function(string name) =>
            Qualifier == null
                ? SyntaxFactory.IdentifierName(name)
                : SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, Qualifier.WithoutTrivia(), SyntaxFactory.IdentifierName(name));
    }
}
