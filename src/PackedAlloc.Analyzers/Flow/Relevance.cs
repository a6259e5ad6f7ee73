using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Text;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// Decides, once per compilation and cheaply, which bodies can matter to the analysis, so that its cost follows
    /// the code that touches DMA and not the size of the codebase. A body is relevant when
    /// <list type="bullet">
    /// <item>one of its values has a kernel value type (<see cref="KernelValueTypes"/>), it calls the Kernel API or a
    /// user-configured sink or bounce method, or its signature takes or returns a kernel value;</item>
    /// <item>it belongs to generic code that the compilation instantiates with kernel values;</item>
    /// <item>it calls a relevant body (it is on a call path towards the Kernel API, and may decide a size, flag or
    /// direction a callee uses);</item>
    /// <item>it initializes a field that a relevant body reads (a size kept in a static field).</item>
    /// </list>
    /// Binding every body to find out would cost as much as compiling it again, so bodies are first filtered by
    /// their text: a body can only reach a kernel value by naming something that leads to one (a runtime type or
    /// function, a member whose type holds one, a relevant method), so only bodies that name one of those are bound,
    /// and the names grow as relevant bodies are found, until nothing new is found.
    /// </summary>
    internal sealed class Relevance
    {
        private readonly CompilationFlow _flow;
        private readonly KernelValueTypes _types;
        private readonly CancellationToken _cancellationToken;
        private readonly HashSet<ISymbol> _readByRelevant = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        private readonly HashSet<SyntaxTree> _relevantTrees = new HashSet<SyntaxTree>();
        private readonly Dictionary<BodyInfo, List<ISymbol>> _reads = new Dictionary<BodyInfo, List<ISymbol>>();
        private readonly Dictionary<BodyInfo, int> _operationCounts = new Dictionary<BodyInfo, int>();
        private readonly Dictionary<BodyInfo, List<IMethodSymbol>> _calls = new Dictionary<BodyInfo, List<IMethodSymbol>>();

        private Relevance(CompilationFlow flow, CancellationToken cancellationToken)
        {
            _flow = flow;
            _types = new KernelValueTypes(flow.Kernel.Kernel.ContainingAssembly);
            _cancellationToken = cancellationToken;
        }

        /// <summary>How many operations the relevant bodies have: the size of the code the analysis works on.</summary>
        public long RelevantOperations { get; private set; }

        /// <summary>
        /// Every name the pass ended with: a body is bound and scanned exactly when its text names one of them (or
        /// its declaration alone makes it relevant), which is what lets an edit be judged by its text first.
        /// </summary>
        public NameSet Names { get; private set; } = new NameSet();

        /// <summary>The relevance of a compilation whose bodies were marked from an earlier one's (see <see cref="PreviousAnalysis"/>).</summary>
        public static Relevance Inherited(CompilationFlow flow, IEnumerable<SyntaxTree> relevantTrees, long relevantOperations, NameSet names)
        {
            var relevance = new Relevance(flow, flow.CancellationToken) { RelevantOperations = relevantOperations, Names = names };
            relevance._relevantTrees.UnionWith(relevantTrees);
            return relevance;
        }

        /// <summary>
        /// What a scan of a body decides from it: whether it touches kernel values or the Kernel API (as the scan
        /// tells, by <paramref name="types"/>, made once per compilation without instantiated generics: those are
        /// told apart by name), and, named in full, every symbol and type of the compilation's own source it refers to (calls,
        /// reads, instantiations: what ties it to other bodies), with how many operations it has. Symbols from
        /// referenced assemblies count only through the two answers, so an edit that changes which runtime functions
        /// or flags a body uses, but not whether it uses them, keeps its facts. A body whose facts are the same in two
        /// compilations with the same declarations is marked the same by the pass in both.
        /// </summary>
        public static (string[] Keys, int Operations) Facts(CompilationFlow flow, KernelValueTypes types, BodyInfo body)
        {
            var operation = body.GetOperation(flow.CancellationToken);
            if (operation == null)
            {
                return (System.Array.Empty<string>(), 0);
            }

            var keys = new HashSet<string>(System.StringComparer.Ordinal);
            bool kernelValue = false, kernelApi = false, configured = false;
            int operations = 0;
            foreach (var node in operation.DescendantsAndSelf())
            {
                operations++;
                if (node is not IInstanceReferenceOperation && node.Type is { } type)
                {
                    if (FromSource(type)) keys.Add("T:" + type.ToDisplayString(FactFormat));
                    else kernelValue |= types.IsKernelValue(type);
                }

                foreach (var target in TargetsOf(node))
                {
                    if (FromSource(target))
                    {
                        keys.Add(target.Kind + ":" + target.ToDisplayString(FactFormat));
                    }
                    else if (flow.Kernel.IsKernelMember(target))
                    {
                        kernelApi = true;
                    }
                    else if (target is IMethodSymbol method)
                    {
                        configured |= flow.Options.IsConfigured(method);
                        // A call of a virtual or interface method of a referenced assembly runs the compilation's
                        // overrides and implementations of it: it ties the body to them.
                        if (method.IsVirtual || method.IsAbstract || method.IsOverride || method.ContainingType?.TypeKind == TypeKind.Interface)
                        {
                            keys.Add("M:" + method.OriginalDefinition.ToDisplayString(FactFormat));
                        }
                    }
                }
            }

            keys.Add("kernel-value:" + kernelValue + ", kernel-api:" + kernelApi + ", configured:" + configured);
            var sorted = keys.ToArray();
            System.Array.Sort(sorted, System.StringComparer.Ordinal);
            return (sorted, operations);
        }

        /// <summary>A symbol or type of the compilation's own code, or one built from such (a list of its type, a type parameter).</summary>
        private static bool FromSource(ISymbol symbol) => symbol switch
        {
            ITypeParameterSymbol => true,
            IArrayTypeSymbol array => FromSource(array.ElementType),
            IPointerTypeSymbol pointer => FromSource(pointer.PointedAtType),
            INamedTypeSymbol { IsGenericType: true } generic when generic.TypeArguments.Any(FromSource) => true,
            _ => symbol.ContainingType is { } containing && FromSource(containing) || IsSource(symbol.OriginalDefinition),
        };

        private static readonly SymbolDisplayFormat FactFormat = SymbolDisplayFormat.FullyQualifiedFormat
            .WithMemberOptions(SymbolDisplayMemberOptions.IncludeContainingType | SymbolDisplayMemberOptions.IncludeParameters
                | SymbolDisplayMemberOptions.IncludeExplicitInterface | SymbolDisplayMemberOptions.IncludeType | SymbolDisplayMemberOptions.IncludeRef)
            .WithParameterOptions(SymbolDisplayParameterOptions.IncludeType | SymbolDisplayParameterOptions.IncludeParamsRefOut)
            .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

        /// <summary>Trees that hold a relevant body: the only ones a diagnostic can be reported in.</summary>
        public bool IsRelevantTree(SyntaxTree tree) => _relevantTrees.Contains(tree);

        /// <summary>Marks <see cref="BodyInfo.IsRelevant"/>, <see cref="BodyInfo.ReachesKernel"/>, <see cref="BodyInfo.HasCallers"/> and the callees of every relevant body.</summary>
        public static Relevance Mark(CompilationFlow flow, CancellationToken cancellationToken)
        {
            var relevance = new Relevance(flow, cancellationToken);
            relevance.Run();
            return relevance;
        }

        /// <summary>
        /// Rounds until nothing new is found. Each round's new names pick out trees not seen yet (whose declarations
        /// then add names of their own: types that hold kernel values, members whose signature has one) and unbound
        /// bodies that name one of them; those bodies are bound and scanned, and the methods found relevant add their
        /// names for the next round, so that their callers are looked at.
        /// </summary>
        private void Run()
        {
            var names = SeedNames();
            var delta = names;
            var trees = _flow.Compilation.SyntaxTrees.ToList();
            var seen = new HashSet<SyntaxTree>();
            var bound = new List<BodyInfo>();
            while (delta.Count > 0)
            {
                var next = new NameSet();
                var candidates = new List<BodyInfo>();
                foreach (var tree in trees)
                {
                    _cancellationToken.ThrowIfCancellationRequested();
                    var text = tree.GetText(_cancellationToken);
                    bool known = seen.Contains(tree);
                    if (!known && !delta.OccursIn(text, new TextSpan(0, text.Length)))
                    {
                        continue;
                    }

                    if (!known)
                    {
                        seen.Add(tree);
                        AddDeclaredNames(tree, names, next);
                    }

                    foreach (var body in _flow.CollectTree(tree) ?? System.Array.Empty<BodyInfo>())
                    {
                        // An accessor's or initializer's text does not show its property's type: a newly seen tree's
                        // bodies are also asked for their signature.
                        if (!body.IsBound && (delta.OccursIn(text, body.Node.Span) || InInstantiatedGeneric(body.Owner)
                            || (!known && SignatureHoldsKernelValue(body.Owner))))
                        {
                            candidates.Add(body);
                        }
                    }
                }

                // Bodies of generic code found to be instantiated with kernel values are scanned in the same round.
                while (candidates.Count > 0)
                {
                    bool newGenerics = ScanAll(candidates, bound);
                    AddCallableNames(bound, names, next);
                    candidates = newGenerics
                        ? _flow.CollectedBodies.Where(b => !b.IsBound && InInstantiatedGeneric(b.Owner)).ToList()
                        : new List<BodyInfo>();
                }

                delta = next;
            }

            Names = names;
            MarkReadInitializers(_flow.CollectedBodies);
            foreach (var body in _flow.CollectedBodies)
            {
                if (body.IsRelevant)
                {
                    _relevantTrees.Add(body.Node.SyntaxTree);
                    RelevantOperations += _operationCounts.TryGetValue(body, out int count) ? count : 1;
                }
            }
        }

        /// <summary>Binds and scans candidates; true when they showed a new generic instantiated with kernel values.</summary>
        private bool ScanAll(List<BodyInfo> candidates, List<BodyInfo> bound)
        {
            if (candidates.Count >= Parallelism.Threshold)
            {
                // Binding is most of the cost and Roslyn's semantic models are thread-safe: bind on several threads,
                // then scan in order (the scan updates shared state).
                Parallelism.ForEach(candidates, _flow.MaxThreads, _cancellationToken, body => body.GetOperation(_cancellationToken), _flow.Board);
            }

            bool newGenerics = false;
            foreach (var body in candidates)
            {
                newGenerics |= Scan(body);
                bound.Add(body);
            }

            return newGenerics;
        }

        /// <summary>The names calls to the relevant bodies are written with, new ones also into <paramref name="next"/>: their callers are looked at next.</summary>
        private void AddCallableNames(List<BodyInfo> bound, NameSet names, NameSet next)
        {
            foreach (var body in Close(bound))
            {
                var name = CallableName(body.Owner);
                if (name != null && names.Add(name))
                {
                    next.Add(name);
                }
            }
        }

        /// <summary>
        /// The names a newly seen tree declares that lead to kernel values: types that hold them, members whose type
        /// or signature has one, and aliases (<c>using Ptr = PackedAlloc.Runtime.KernelPtr;</c>) of either.
        /// </summary>
        private void AddDeclaredNames(SyntaxTree tree, NameSet names, NameSet next)
        {
            void Add(string name)
            {
                if (names.Add(name)) next.Add(name);
            }

            foreach (var type in _flow.DeclaredTypes(tree))
            {
                if (_types.IsKernelValue(type))
                {
                    Add(type.Name);
                }

                foreach (var member in type.GetMembers())
                {
                    if (member.CanBeReferencedByName && SignatureHoldsKernelValue(member))
                    {
                        Add(member.Name);
                    }
                }
            }

            foreach (var alias in tree.GetRoot(_cancellationToken).DescendantNodes(n => n is CompilationUnitSyntax || n is BaseNamespaceDeclarationSyntax)
                .OfType<UsingDirectiveSyntax>())
            {
                if (alias.Alias != null)
                {
#pragma warning disable RS1030 // Aliases are declared per tree; the semantic model of that tree resolves them.
                    var target = _flow.Compilation.GetSemanticModel(tree).GetSymbolInfo(alias.Name!, _cancellationToken).Symbol;
#pragma warning restore RS1030
                    if (target is ITypeSymbol aliased && _types.IsKernelValue(aliased)
                        || target is INamedTypeSymbol named && SymbolEqualityComparer.Default.Equals(named, _flow.Kernel.Kernel))
                    {
                        Add(alias.Alias.Name.Identifier.ValueText);
                    }
                }
            }
        }

        /// <summary>
        /// The names every use of the runtime starts from: its value types (and the Kernel class), the Kernel class's
        /// functions and constants, and the configured sinks and bounce helpers.
        /// </summary>
        private NameSet SeedNames()
        {
            var names = new NameSet();
            foreach (var type in RuntimeTypes(_flow.Kernel.Kernel.ContainingAssembly.GlobalNamespace))
            {
                if (_types.IsKernelValue(type) || SymbolEqualityComparer.Default.Equals(type, _flow.Kernel.Kernel))
                {
                    names.Add(type.Name);
                }
            }

            // The Kernel class's functions and constants are written bare (using static). Other runtime types'
            // static members are written after their type's name, which is in the set already; a bare use through
            // a using static of theirs still makes the value flow into a body that names a relevant method or type.
            foreach (var member in _flow.Kernel.Kernel.GetMembers())
            {
                if (member.IsStatic && member.DeclaredAccessibility == Accessibility.Public && member.CanBeReferencedByName)
                {
                    names.Add(member.Name);
                }
            }

            foreach (var (name, isPrefix) in _flow.Options.SinkMethods.SimpleNames().Concat(_flow.Options.BounceMethods.SimpleNames()))
            {
                if (isPrefix) names.AddPrefix(name);
                else names.Add(name);
            }

            return names;
        }

        private static IEnumerable<INamedTypeSymbol> RuntimeTypes(INamespaceSymbol ns)
        {
            foreach (var type in ns.GetTypeMembers())
            {
                if (type.DeclaredAccessibility == Accessibility.Public)
                {
                    yield return type;
                }
            }

            foreach (var nested in ns.GetNamespaceMembers())
            {
                foreach (var type in RuntimeTypes(nested))
                {
                    yield return type;
                }
            }
        }

        /// <summary>A field, property, event or method whose type, return type or parameters can hold a kernel value.</summary>
        [MethodImpl(HotPath.Optimized)]
        private bool SignatureHoldsKernelValue(ISymbol member)
        {
            switch (member)
            {
                case IFieldSymbol field:
                    return _types.IsKernelValue(field.Type);
                case IPropertySymbol property:
                    return _types.IsKernelValue(property.Type) || property.Parameters.Any(p => _types.IsKernelValue(p.Type));
                case IEventSymbol @event:
                    return _types.IsKernelValue(@event.Type);
                case IMethodSymbol method:
                    return _types.IsKernelValue(method.ReturnType) || method.Parameters.Any(p => _types.IsKernelValue(p.Type))
                        || (method.AssociatedSymbol != null && SignatureHoldsKernelValue(method.AssociatedSymbol));
                default:
                    return false;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private bool InInstantiatedGeneric(ISymbol owner) => InGenericCode(owner, _types);

        /// <summary>
        /// Whether <paramref name="owner"/> is in a generic method or type (or nested in one); with
        /// <paramref name="instantiatedIn"/>, in one the compilation instantiates with kernel values.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public static bool InGenericCode(ISymbol owner, KernelValueTypes? instantiatedIn = null)
        {
            for (ISymbol? current = owner; current != null && current is not INamespaceSymbol; current = current.ContainingSymbol)
            {
                if ((current is IMethodSymbol { IsGenericMethod: true } || current is INamedTypeSymbol { IsGenericType: true })
                    && (instantiatedIn == null || instantiatedIn.IsInstantiatedGeneric(current)))
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Binds a candidate and records what it touches; true when it showed a new generic instantiated with kernel values.</summary>
        [MethodImpl(HotPath.Optimized)]
        private bool Scan(BodyInfo body)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            body.WasScanned = true;
            bool direct = SignatureHoldsKernelValue(body.Owner) || InInstantiatedGeneric(body.Owner);
            bool newGenerics = false;
            var operation = body.GetOperation(_cancellationToken);
            if (operation == null)
            {
                body.IsRelevant |= direct;
                return false;
            }

            var reads = new List<ISymbol>();
            var calls = new List<IMethodSymbol>();
            int operations = 0;
            foreach (var node in operation.DescendantsAndSelf())
            {
                operations++;
                if (node is not IInstanceReferenceOperation && node.Type is { } type)
                {
                    if (_types.IsKernelValue(type))
                    {
                        direct = true;
                        newGenerics |= NoteInstantiation(type);
                    }
                }

                foreach (var target in TargetsOf(node))
                {
                    if (_flow.Kernel.IsKernelMember(target))
                    {
                        direct = true;
                        body.ReachesKernel = true;
                        continue;
                    }

                    if (target is IMethodSymbol method)
                    {
                        if (_flow.Options.IsConfigured(method))
                        {
                            direct = true;
                        }

                        newGenerics |= NoteInstantiation(method);
                        calls.Add(method);
                    }
                    else if (target is IFieldSymbol || target is IPropertySymbol)
                    {
                        reads.Add(target.OriginalDefinition);
                    }
                }
            }

            body.IsRelevant |= direct;
            _reads[body] = reads;
            _calls[body] = calls;
            _operationCounts[body] = operations;
            return newGenerics;
        }

        /// <summary>A constructed generic of the compilation's own with kernel type arguments: its code handles kernel values.</summary>
        [MethodImpl(HotPath.Optimized)]
        private bool NoteInstantiation(ISymbol symbol)
        {
            bool added = false;
            if (symbol is IMethodSymbol { IsGenericMethod: true } method && IsSource(method.OriginalDefinition) && _types.HasKernelTypeArguments(method))
            {
                added |= AddInstantiatedGeneric(method.OriginalDefinition);
            }

            for (var type = symbol as INamedTypeSymbol ?? symbol.ContainingType; type != null; type = type.ContainingType)
            {
                if (type.IsGenericType && IsSource(type.OriginalDefinition) && !SymbolEqualityComparer.Default.Equals(type, type.OriginalDefinition)
                    && _types.HasKernelTypeArguments(type))
                {
                    added |= AddInstantiatedGeneric(type.OriginalDefinition);
                }
            }

            return added;
        }

        /// <summary>Records a generic definition as instantiated with kernel values, and collects its trees so that its bodies can be marked.</summary>
        private bool AddInstantiatedGeneric(ISymbol definition)
        {
            _flow.CollectDeclaringTrees(definition);
            return _types.AddInstantiatedGeneric(definition);
        }

        private static bool IsSource(ISymbol symbol) => !symbol.Locations.IsEmpty && symbol.Locations[0].IsInSource;

        /// <summary>Closes relevance and kernel reach backwards over the calls of the bound bodies; returns the bodies that are relevant.</summary>
        private List<BodyInfo> Close(List<BodyInfo> bound)
        {
            var relevant = new List<BodyInfo>();
            // Callees are resolved here rather than when a body is scanned: an override or implementation in a tree
            // seen later is a dispatch target too.
            foreach (var body in bound)
            {
                if (!_calls.TryGetValue(body, out var calls))
                {
                    continue;
                }

                foreach (var method in calls)
                {
                    foreach (var callee in _flow.DispatchTargets(method))
                    {
                        if (callee != body && !body.Callees.Contains(callee))
                        {
                            body.Callees.Add(callee);
                        }
                    }
                }
            }

            bool changed = true;
            while (changed)
            {
                changed = false;
                foreach (var body in bound)
                {
                    foreach (var callee in body.Callees)
                    {
                        if (callee.IsRelevant && !body.IsRelevant)
                        {
                            body.IsRelevant = true;
                            changed = true;
                        }

                        if (callee.ReachesKernel && !body.ReachesKernel)
                        {
                            body.ReachesKernel = true;
                            changed = true;
                        }
                    }
                }
            }

            foreach (var body in bound)
            {
                if (!body.IsRelevant)
                {
                    continue;
                }

                foreach (var callee in body.Callees)
                {
                    callee.HasCallers = true;
                }

                if (_reads.TryGetValue(body, out var reads))
                {
                    foreach (var read in reads)
                    {
                        _readByRelevant.Add(read);
                    }
                }

                relevant.Add(body);
            }

            return relevant;
        }

        /// <summary>Initializers of fields and properties that relevant code reads: a size or flag kept in a static readonly field.</summary>
        private void MarkReadInitializers(IReadOnlyList<BodyInfo> bodies)
        {
            foreach (var body in bodies)
            {
                if (body.IsInitializer && !body.IsRelevant && _readByRelevant.Contains(body.Owner.OriginalDefinition))
                {
                    body.IsRelevant = true;
                }
            }
        }

        /// <summary>
        /// The name a call to the body is written with: a method's, a property's for its accessors, the type's for a
        /// constructor; null for an operator or a finalizer. Overrides and implementations are declared with it too.
        /// </summary>
        internal static string? CallableName(ISymbol owner) => owner switch
        {
            IMethodSymbol { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } constructor => constructor.ContainingType.Name,
            IMethodSymbol { AssociatedSymbol: { } associated } => associated.Name,
            IMethodSymbol { MethodKind: MethodKind.Ordinary or MethodKind.ExplicitInterfaceImplementation } method => method.Name.Substring(method.Name.LastIndexOf('.') + 1),
            _ => null,
        };

        /// <summary>The symbols an operation refers to: what it calls, creates, reads or writes.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static IEnumerable<ISymbol> TargetsOf(IOperation operation)
        {
            switch (operation)
            {
                case IInvocationOperation invocation:
                    yield return invocation.TargetMethod;
                    break;
                case IObjectCreationOperation { Constructor: { } constructor }:
                    yield return constructor;
                    break;
                case IMethodReferenceOperation reference:
                    yield return reference.Method;
                    break;
                case IPropertyReferenceOperation property:
                    yield return property.Property;
                    if (property.Property.GetMethod != null) yield return property.Property.GetMethod;
                    if (property.Property.SetMethod != null) yield return property.Property.SetMethod;
                    break;
                case IFieldReferenceOperation field:
                    yield return field.Field;
                    break;
                case IBinaryOperation { OperatorMethod: { } binaryOperator }:
                    yield return binaryOperator;
                    break;
                case IUnaryOperation { OperatorMethod: { } unaryOperator }:
                    yield return unaryOperator;
                    break;
                case IConversionOperation { OperatorMethod: { } conversion }:
                    yield return conversion;
                    break;
            }
        }
    }
}
