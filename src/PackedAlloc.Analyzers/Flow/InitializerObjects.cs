using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The members of a class that its instance initializers set to a new, empty object (<c>T[] _slots = new T[8];</c>,
    /// <c>List&lt;KernelPtr&gt; _pending = new();</c>): every object of the class gets its own, so <c>new Ring()</c> at a known
    /// place gives the new ring its own slot array, named by the ring (see <see cref="MethodFlow"/>'s object creation).
    /// The initializers themselves are analysed once per class, as roots with a symbolic <c>this</c>; without this, the
    /// array they make would be one for every ring, and a ring of CPU-only packed buffers would taint a DMA ring.
    /// Only initializers that make an object from constants qualify: one that takes other state (a buffer, a field)
    /// is left to its root, whose writes every object's reads fall back to; and only members that can hold a kernel
    /// value (not a <c>byte[]</c> or a string).
    /// </summary>
    internal sealed class InitializerObjects
    {
        private readonly CompilationFlow _flow;
        private readonly ConcurrentDictionary<ITypeSymbol, IReadOnlyList<FreshMember>> _byType =
            new ConcurrentDictionary<ITypeSymbol, IReadOnlyList<FreshMember>>(SymbolEqualityComparer.Default);

        public InitializerObjects(CompilationFlow flow) => _flow = flow;

        /// <summary>The members a new object of <paramref name="type"/> starts with a fresh object in, its own and its base classes'.</summary>
        public IReadOnlyList<FreshMember> Of(ITypeSymbol type)
        {
            // Asked at every object creation the flow evaluates: looked up without making a delegate per call (the
            // GetOrAdd that takes an argument is not in netstandard2.0), as CompilationFlow's other caches do.
            var definition = type.OriginalDefinition;
            if (!_byType.TryGetValue(definition, out var members))
            {
                members = Find(definition);
                _byType.TryAdd(definition, members);
            }

            return members;
        }

        private IReadOnlyList<FreshMember> Find(ITypeSymbol type)
        {
            List<FreshMember>? found = null;
            for (var current = type as INamedTypeSymbol; current is { TypeKind: TypeKind.Class } && !current.DeclaringSyntaxReferences.IsEmpty; current = current.BaseType)
            {
                foreach (var member in current.GetMembers())
                {
                    var memberType = member is IFieldSymbol field ? field.Type : (member as IPropertySymbol)?.Type;
                    if (member.IsStatic || member is not (IFieldSymbol { IsImplicitlyDeclared: false } or IPropertySymbol)
                        || !TypeFacts.IsReferenceLike(memberType) || TypeFacts.IsPlainData(memberType)
                        || _flow.TryGetInitializer(member) is not { } body
                        || body.GetOperation(_flow.CancellationToken) is not ISymbolInitializerOperation { Value: var value })
                    {
                        continue;
                    }

                    while (value is IConversionOperation conversion) value = conversion.Operand;
                    if (IsFresh(value))
                    {
                        (found ??= new List<FreshMember>()).Add(new FreshMember(member, value.Syntax, value.Type));
                    }
                }
            }

            return found ?? (IReadOnlyList<FreshMember>)System.Array.Empty<FreshMember>();
        }

        /// <summary>A new object that holds nothing it was given: made from constants only.</summary>
        private static bool IsFresh(IOperation value) => value switch
        {
            IArrayCreationOperation array => array.Initializer == null || array.Initializer.ElementValues.All(v => v.ConstantValue.HasValue),
            IObjectCreationOperation creation => creation.Initializer == null && creation.Arguments.All(a => a.Value.ConstantValue.HasValue),
            _ => false,
        };
    }

    /// <summary>A member an instance initializer sets to a new object, made at <see cref="Site"/>.</summary>
    internal sealed class FreshMember
    {
        public FreshMember(ISymbol member, SyntaxNode site, ITypeSymbol? type)
        {
            Member = member;
            Site = site;
            Type = type;
        }

        public ISymbol Member { get; }
        public SyntaxNode Site { get; }

        /// <summary>The new object's type (its own initializers give it fresh members in turn).</summary>
        public ITypeSymbol? Type { get; }
    }
}
