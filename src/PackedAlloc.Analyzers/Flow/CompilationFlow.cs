using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using PackedAlloc.Analyzers.Model;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The whole-compilation analysis behind PA0001. It finds every executable body, asks <see cref="Relevance"/>
    /// which of them can touch a kernel value (binding only those), and analyses each relevant body as a root; calls
    /// into relevant bodies are analysed again in the caller's context (argument values, guard, remaining depth),
    /// memoized per context, so a helper that maps its parameter is judged by what each caller passes. A call into
    /// any other body is followed only when a tracked value flows into it or it returns a number (a size); otherwise
    /// it is treated as a library call. Fields, auto-properties and collection elements written anywhere are
    /// summarised; the roots are re-run until those summaries stop growing (at most <see cref="MaxRounds"/> rounds),
    /// so data stored by one method and mapped by another is seen (<see cref="FlowRun"/>). Roots that cannot see each
    /// other's summaries are analysed as separate groups, on several threads (<see cref="FlowGroups"/>). Besides each
    /// body's step budget, the whole analysis has one (<see cref="StepBudget"/>): where it runs out, the roots left
    /// are named in a single PA0002. This class holds what every group shares: the bodies, found and indexed once.
    /// </summary>
    internal sealed class CompilationFlow
    {
        /// <summary>Summaries only grow and are finite, so this bound is a safety net, not the normal end.</summary>
        public const int MaxRounds = 4;

        /// <summary>A virtual or interface call with more implementations than this in the compilation is not followed.</summary>
        public const int MaxDispatchTargets = 8;

        /// <summary>
        /// After this many distinct contexts of one body in a round, further calls share one widened context (their
        /// join) instead of one each: a helper called with many different constants is analysed a few times more as
        /// the join grows, not once per combination (see <see cref="FlowRun.AnalyzeCall"/>).
        /// </summary>
        public const int ContextsBeforeWidening = 8;

        /// <summary>A body's <see cref="BodyInfo.Order"/> is its tree's index shifted by this, plus its position in the tree.</summary>
        public const int TreeOrderShift = 20;

        /// <summary>Bounds the contexts one body is analysed in, whatever the call graph's shape.</summary>
        public const int MaxContextsPerBody = 64;

        private readonly Compilation _compilation;
        private readonly Dictionary<ISymbol, BodyInfo> _bodiesByMethod = new Dictionary<ISymbol, BodyInfo>(SymbolEqualityComparer.Default);
        private readonly Dictionary<ISymbol, BodyInfo> _instanceInitializers = new Dictionary<ISymbol, BodyInfo>(SymbolEqualityComparer.Default);
        private readonly List<BodyInfo> _bodies = new List<BodyInfo>();
        private readonly Dictionary<ISymbol, List<BodyInfo>> _implementations = new Dictionary<ISymbol, List<BodyInfo>>(SymbolEqualityComparer.Default);
        private readonly HashSet<IPropertySymbol> _autoProperties = new HashSet<IPropertySymbol>(SymbolEqualityComparer.Default);
        private readonly List<IPropertySymbol> _autoPropertyList = new List<IPropertySymbol>();
        private readonly Dictionary<ISymbol, List<IPropertySymbol>> _storedImplementations = new Dictionary<ISymbol, List<IPropertySymbol>>(SymbolEqualityComparer.Default);
        private readonly System.Collections.Concurrent.ConcurrentDictionary<SyntaxNode, bool> _statementErrors = new System.Collections.Concurrent.ConcurrentDictionary<SyntaxNode, bool>();
        private Relevance? _relevance;
        private readonly Dictionary<SyntaxTree, int> _treeOrder = new Dictionary<SyntaxTree, int>();
        private readonly Dictionary<SyntaxTree, List<BodyInfo>> _bodiesByTree = new Dictionary<SyntaxTree, List<BodyInfo>>();
        private readonly Dictionary<SyntaxTree, List<INamedTypeSymbol>> _typesByTree = new Dictionary<SyntaxTree, List<INamedTypeSymbol>>();

        // Trees are collected and indexed lazily (CollectTree, TryGetBody, DispatchTargets, PropertyStorage), under
        // a lock. Before groups of roots run on several threads, every tree is collected and the index frozen: from
        // then on those lookups only read, need no lock, and give every group the same answers whatever the timing.
        private readonly object _gate = new object();
        private volatile bool _frozen;
        private IReadOnlyList<GroupOutcome> _outcomes = Array.Empty<GroupOutcome>();
        private SyntaxTree[] _trees = Array.Empty<SyntaxTree>();

        public CompilationFlow(Compilation compilation, KernelSymbols kernel, AnalysisOptions options, CancellationToken cancellationToken)
        {
            _compilation = compilation;
            Kernel = kernel;
            Options = options;
            CancellationToken = cancellationToken;
            InitializerObjects = new InitializerObjects(this);
        }

        public Compilation Compilation => _compilation;
        public KernelSymbols Kernel { get; }
        public AnalysisOptions Options { get; }
        /// <summary>The token of the request the analysis runs for (a cancelled request leaves the flow to be rebuilt).</summary>
        public CancellationToken CancellationToken { get; set; }

        /// <summary>
        /// The most threads the analysis uses for binding, graphs and groups of roots. It changes only the speed: the
        /// groups, and so the diagnostics, are the same on one thread and on several (see <see cref="FlowGroups"/>).
        /// </summary>
        public int MaxThreads { get; set; } = Parallelism.DefaultMaxThreads;

        /// <summary>
        /// Where the parallel steps (binding, graphs, groups of roots) are offered to threads waiting for this analysis
        /// (see <see cref="WorkBoard"/>); null when nobody waits (tests, benchmarks).
        /// </summary>
        public WorkBoard? Board { get; set; }

        /// <summary>
        /// One run over all roots in source order instead of groups of roots: what tests and benchmarks compare the
        /// groups with. Never set by the analyzer.
        /// </summary>
        public bool SingleRun { get; set; }

        /// <summary>Total operation visits, for the benchmark and for tests that check the work stays bounded.</summary>
        public long TotalSteps => _outcomes.Sum(r => r.Steps);

        /// <summary>How many rounds over the roots the last run took.</summary>
        public int Rounds => _outcomes.Count == 0 ? 0 : _outcomes.Max(r => r.Rounds);

        /// <summary>Operation visits in rounds after the first, over all groups (see <see cref="FlowRun.StepsAfterFirstRound"/>).</summary>
        public long StepsAfterFirstRound => _outcomes.Sum(r => r.StepsAfterFirstRound);

        /// <summary>Analyses of a body in a context, over all groups.</summary>
        public long Analyses => _outcomes.Sum(r => r.Analyses);

        /// <summary>How many independent groups the roots were analysed in (see <see cref="FlowGroups"/>).</summary>
        public int Groups => _outcomes.Count;

        /// <summary>The most operation visits the whole compilation may take (see <see cref="AnalysisOptions.MaxTotalSteps"/>).</summary>
        public long StepBudget { get; private set; }

        /// <summary>The bodies of the trees collected so far (see <see cref="CollectTree"/>).</summary>
        public IReadOnlyList<BodyInfo> CollectedBodies => _bodies;

        /// <summary>The bodies the analysis treats as able to touch kernel values (known after <see cref="Run"/>).</summary>
        public IEnumerable<BodyInfo> RelevantBodies => _bodies.Where(b => b.IsRelevant);

        /// <summary>Whether the tree holds a relevant body: only such trees can carry a diagnostic.</summary>
        public bool IsRelevantTree(SyntaxTree tree) => _relevance != null && _relevance.IsRelevantTree(tree);

        /// <summary>Roots the compilation-wide budget left unchecked (or checked only with older summaries), in source order.</summary>
        public IReadOnlyList<BodyInfo> UncheckedRoots => _outcomes.SelectMany(r => r.UncheckedRoots).OrderBy(b => b.Order).ToList();

        /// <summary>The hits of every group; a hit two groups found (in a helper both call) is taken once, from the group that comes first in source order.</summary>
        public IReadOnlyCollection<Finding> Findings
        {
            get
            {
                var findings = new Dictionary<(string, Location, Location), Finding>();
                foreach (var outcome in _outcomes)
                {
                    foreach (var finding in outcome.Findings)
                    {
                        if (!findings.ContainsKey(finding.Key)) findings.Add(finding.Key, finding);
                    }
                }

                return findings.Values;
            }
        }

        /// <summary>PA0001's findings (see <see cref="Findings"/>).</summary>
        public IReadOnlyCollection<SinkHit> Hits => Findings.OfType<SinkHit>().ToList();

        public IEnumerable<(BodyInfo Body, string Reason)> OverBudget =>
            _outcomes.SelectMany(r => r.OverBudget).GroupBy(b => b.Body.Order).Select(g => g.First());

        /// <summary>Finds the relevant bodies only (no flow analysis): what <see cref="Run"/> starts with.</summary>
        public void FindRelevantBodies()
        {
            if (_relevance != null)
            {
                return;
            }

            IndexTrees();
            _inherited = Previous?.TryInherit(this);
            _relevance = _inherited?.Relevance ?? Relevance.Mark(this, CancellationToken);
            StepBudget = Options.MaxTotalSteps > 0 ? Options.MaxTotalSteps : AnalysisOptions.AutomaticTotalSteps(_relevance.RelevantOperations);
        }

        public void Run()
        {
            FindRelevantBodies();
            if (_inherited != null && RunInherited(_inherited))
            {
                return;
            }

            if (_inherited != null)
            {
                // The roots are the relevant bodies of every tree, not only of those collected so far.
                foreach (int tree in _inherited.RelevantTrees) CollectTree(_trees[tree]);
            }

            var roots = _bodies.Where(b => b.IsRelevant).OrderBy(b => b.Order).ToList();
            BuildGraphs(roots);
            (_outcomes, RanAsGroups) = FlowGroups.Run(this, roots, StepBudget);
            ReusedGroups = 0;
        }

        /// <summary>
        /// The analysis of an edit (see <see cref="PreviousAnalysis"/>): the previous groups that looked at no changed
        /// tree are kept, the others run again beside them. False when that does not hold up (a new group reads what
        /// a kept one writes, or the budget runs out): then the full run follows.
        /// </summary>
        private bool RunInherited(PreviousAnalysis.Inheritance inherited)
        {
            long keptSteps = inherited.Kept.Sum(o => o.Steps);
            if (keptSteps >= StepBudget)
            {
                return false;
            }

            _collectByName = true;
            var roots = inherited.RerunRoots.Select(BodyAt).ToList();
            BuildGraphs(roots);
            var outcomes = FlowGroups.RunBeside(this, roots, inherited.Kept, new StepCounter(StepBudget - keptSteps));
            if (outcomes == null)
            {
                return false;
            }

            _outcomes = outcomes;
            RanAsGroups = true;
            ReusedGroups = inherited.Kept.Count;
            return true;
        }

        /// <summary>
        /// The previous analysis of the same project, if any: the analysis then starts from it and redoes only what
        /// the edit between the two compilations can have changed (see <see cref="PreviousAnalysis"/>).
        /// </summary>
        public PreviousAnalysis? Previous { get; set; }

        private PreviousAnalysis.Inheritance? _inherited;

        /// <summary>How many groups of roots the last run took over from <see cref="Previous"/> without running them.</summary>
        public int ReusedGroups { get; private set; }

        /// <summary>How many trees changed since <see cref="Previous"/>, when the run started from it; -1 when it did not.</summary>
        public int ChangedTrees => _inherited?.ChangedTrees ?? -1;

        /// <summary>The marks this compilation's bodies inherited from <see cref="Previous"/>, by tree index (null when none).</summary>
        internal IReadOnlyDictionary<int, BodyMarks[]>? InheritedMarks => _inherited?.Marks;

        /// <summary>The trees collected so far (by index) with their bodies.</summary>
        internal IEnumerable<(int Tree, IReadOnlyList<BodyInfo> Bodies)> CollectedTrees =>
            _bodiesByTree.Select(pair => (_treeOrder[pair.Key], (IReadOnlyList<BodyInfo>)pair.Value));

        /// <summary>What each group of roots found in the last run.</summary>
        internal IReadOnlyList<GroupOutcome> Outcomes => _outcomes;

        /// <summary>The relevance the run started from (null before <see cref="FindRelevantBodies"/>).</summary>
        internal Relevance? RelevanceResult => _relevance;

        /// <summary>Whether the last run analysed the roots as independent groups (see <see cref="FlowGroups"/>).</summary>
        public bool RanAsGroups { get; private set; }

        /// <summary>Numbers the compilation's trees (a tree's index names it in body orders and group outcomes).</summary>
        public void IndexTrees()
        {
            if (_trees.Length > 0)
            {
                return;
            }

            _trees = _compilation.SyntaxTrees.ToArray();
            for (int index = 0; index < _trees.Length; index++)
            {
                _treeOrder[_trees[index]] = index;
            }
        }

        /// <summary>The compilation's trees, by index (once <see cref="IndexTrees"/> ran).</summary>
        internal IReadOnlyList<SyntaxTree> Trees => _trees;

        /// <summary>A tree's index in the compilation; -1 for a tree not in it (or none).</summary>
        public int TreeIndex(SyntaxTree? tree) => tree != null && _treeOrder.TryGetValue(tree, out int index) ? index : -1;

        /// <summary>The body at an <see cref="BodyInfo.Order"/> (its tree is collected if it was not).</summary>
        public BodyInfo BodyAt(int order) => CollectTree(_trees[order >> TreeOrderShift])![order & ((1 << TreeOrderShift) - 1)];

        /// <summary>
        /// Collects every tree and freezes the index of bodies, before the analysis goes parallel (see the lock
        /// above). Cheap next to the analysis it precedes: declarations only, nothing is bound.
        /// </summary>
        public void CollectAllAndFreeze()
        {
            lock (_gate)
            {
                foreach (var tree in _compilation.SyntaxTrees)
                {
                    CollectTreeCore(tree);
                }

                _frozen = true;
            }
        }

        /// <summary>
        /// Builds the roots' control flow graphs ahead, on several threads: Roslyn's binding and graph building are
        /// thread-safe, and the groups of roots then start with their graphs ready.
        /// </summary>
        private void BuildGraphs(IReadOnlyList<BodyInfo> roots)
        {
            if (roots.Count < Parallelism.Threshold)
            {
                return;
            }

            Parallelism.ForEach(roots, MaxThreads, CancellationToken, root => root.GetGraph(CancellationToken), Board);
        }

        /// <summary>
        /// A lookup in the index of bodies: under the lock while trees may still be collected, without it once the
        /// index is frozen (see the lock's comment). The lookups pass no captured state, so no delegate is made per call.
        /// </summary>
        private TResult Indexed<TArg, TResult>(TArg argument, Func<CompilationFlow, TArg, TResult> lookup)
        {
            if (_frozen)
            {
                return lookup(this, argument);
            }

            lock (_gate)
            {
                return lookup(this, argument);
            }
        }

        /// <summary>The initializer of an instance field or property (<c>T[] _slots = new T[8];</c>), if it has one.</summary>
        public BodyInfo? TryGetInitializer(ISymbol member) => Indexed(member, (self, x) =>
            self._instanceInitializers.TryGetValue(x.OriginalDefinition, out var body)
            || (self.CollectDeclaringTrees(x.OriginalDefinition) && self._instanceInitializers.TryGetValue(x.OriginalDefinition, out body)) ? body : null);

        /// <summary>What instance initializers make for each new object (see <see cref="Flow.InitializerObjects"/>).</summary>
        public InitializerObjects InitializerObjects { get; }

        [MethodImpl(HotPath.Optimized)]
        public BodyInfo? TryGetBody(IMethodSymbol method) => Indexed(method, (self, x) => self.TryGetBodyCore(x));

        [MethodImpl(HotPath.Optimized)]
        private BodyInfo? TryGetBodyCore(IMethodSymbol method)
        {
            var definition = method.ReducedFrom ?? method.OriginalDefinition;
            if (definition.PartialImplementationPart != null)
            {
                definition = definition.PartialImplementationPart;
            }

            if (_bodiesByMethod.TryGetValue(definition, out var body))
            {
                return body;
            }

            // A method of a tree the analysis has not looked at yet: look now.
            return CollectDeclaringTrees(definition) && _bodiesByMethod.TryGetValue(definition, out body) ? body : null;
        }

        /// <summary>Collects the trees a source symbol is declared in; false when it has none in this compilation.</summary>
        public bool CollectDeclaringTrees(ISymbol definition)
        {
            bool collected = false;
            foreach (var reference in definition.DeclaringSyntaxReferences)
            {
                collected |= CollectTree(reference.SyntaxTree) != null;
            }

            return collected;
        }

        /// <summary>
        /// The bodies a call may run: the method's own for a non-virtual call; for a virtual, abstract or interface
        /// method, every override and implementation the compilation has (class hierarchy analysis), plus its own
        /// body. Empty when there is none, or too many to follow.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public IReadOnlyList<BodyInfo> DispatchTargets(IMethodSymbol method)
        {
            if (!_frozen)
            {
                return Indexed(method, (self, x) => self.DispatchTargetsCore(x));
            }

            // Asked at every call the analysis evaluates, and building the list of a virtual method's targets
            // allocates: once the index is frozen the answer cannot change, so it is kept.
            if (!_dispatchTargets.TryGetValue(method, out var targets))
            {
                targets = DispatchTargetsCore(method);
                _dispatchTargets.TryAdd(method, targets);
            }

            return targets;
        }

        private readonly ConcurrentDictionary<IMethodSymbol, IReadOnlyList<BodyInfo>> _dispatchTargets =
            new ConcurrentDictionary<IMethodSymbol, IReadOnlyList<BodyInfo>>(SymbolEqualityComparer.Default);

        [MethodImpl(HotPath.Optimized)]
        private IReadOnlyList<BodyInfo> DispatchTargetsCore(IMethodSymbol method)
        {
            var own = TryGetBody(method);
            var definition = method.OriginalDefinition;
            bool overridable = (definition.IsVirtual || definition.IsAbstract || definition.IsOverride) && !definition.IsSealed
                && definition.ContainingType is { IsSealed: false, IsValueType: false };
            if (!overridable)
            {
                return own == null ? Array.Empty<BodyInfo>() : own.AsOnlyTarget;
            }

            var targets = new List<BodyInfo>();
            if (own != null)
            {
                targets.Add(own);
            }

            if (definition.MethodKind != MethodKind.DelegateInvoke) CollectTreesDeclaring(Relevance.CallableName(definition), () => _implementations.TryGetValue(definition, out var found) && found.Count > MaxDispatchTargets);
            if (_implementations.TryGetValue(definition, out var implementations))
            {
                if (implementations.Count > MaxDispatchTargets)
                {
                    // Too many to follow (the list holds each implementation once). Said before building the
                    // union: an interface every driver implements is called often, and the union is quadratic.
                    return Array.Empty<BodyInfo>();
                }

                // In source order, whatever order their trees were collected in.
                targets.AddRange(implementations.Where(i => !targets.Contains(i)).OrderBy(i => i.Order));
            }

            return targets.Count > MaxDispatchTargets ? Array.Empty<BodyInfo>() : (IReadOnlyList<BodyInfo>)targets;
        }

        /// <summary>
        /// The field a property's getter returns when that is all it does (<c>get { return _buf; }</c>,
        /// <c>get => _buf;</c>) and the property cannot be overridden: reading the property is reading the field,
        /// so what the caller's state knows of the field (a later write through the setter replacing an earlier
        /// one) is what the read gives. Null for any other property, or a getter not bound for the analysis.
        /// <paramref name="getter"/> is the getter's body when the answer depended on it (the read then depends on
        /// its code: see <see cref="FlowRun.Touch"/>).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public IFieldSymbol? BackingField(IPropertySymbol property, out BodyInfo? getter)
        {
            if (!_backingFields.TryGetValue(property, out var known))
            {
                known = FindBackingField(property);
                _backingFields.TryAdd(property, known);
            }

            getter = known.Getter;
            return known.Field;
        }

        private readonly ConcurrentDictionary<IPropertySymbol, (IFieldSymbol? Field, BodyInfo? Getter)> _backingFields =
            new ConcurrentDictionary<IPropertySymbol, (IFieldSymbol?, BodyInfo?)>(SymbolEqualityComparer.Default);

        private (IFieldSymbol? Field, BodyInfo? Getter) FindBackingField(IPropertySymbol property)
        {
            if (property.IsStatic || property.IsIndexer || property.IsVirtual || property.IsAbstract || property.IsOverride
                || property.ContainingType?.TypeKind != TypeKind.Class && property.ContainingType?.TypeKind != TypeKind.Struct
                || property.GetMethod == null || TryGetBody(property.GetMethod) is not { } getter)
            {
                return (null, null);
            }

            return (FieldReturnedBy(property, getter), getter);
        }

        private IFieldSymbol? FieldReturnedBy(IPropertySymbol property, BodyInfo getter)
        {
            if (!(getter.IsBound || getter.IsRelevant || getter.WasScanned) || getter.GetOperation(CancellationToken) is not { } body)
            {
                return null;
            }

            IFieldSymbol? field = null;
            foreach (var operation in body.DescendantsAndSelf())
            {
                switch (operation)
                {
                    case IMethodBodyBaseOperation:
                    case IBlockOperation:
                    case IReturnOperation:
                    case IInstanceReferenceOperation:
                        break;
                    case IFieldReferenceOperation reference when field == null && !reference.Field.IsStatic
                        && reference.Instance is IInstanceReferenceOperation
                        && SymbolEqualityComparer.Default.Equals(reference.Field.Type, property.Type):
                        field = reference.Field;
                        break;
                    default:
                        return null;
                }
            }

            return field;
        }

        /// <summary>Where a symbol is declared, as a position in the compilation's source order.</summary>
        private long SourceOrder(ISymbol symbol) =>
            symbol.Locations.Length > 0 && symbol.Locations[0].SourceTree is { } tree && _treeOrder.TryGetValue(tree, out int index)
                ? ((long)index << 32) + symbol.Locations[0].SourceSpan.Start
                : long.MaxValue;

        /// <summary>
        /// Whether lookups collect, before they answer, every tree that declares a member of the name they are about:
        /// set when an edit's analysis starts from the previous one (<see cref="RunInherited"/>) and does not collect
        /// every tree first. An override or implementation is declared with its member's name, so the trees that
        /// declare that name are all the trees that can hold one, and the answers are those of the fully collected index.
        /// </summary>
        private bool _collectByName;

        // Per name, how far the scan for trees declaring it has got (the index of the next tree to look at).
        private readonly Dictionary<string, int> _nameScans = new Dictionary<string, int>(StringComparer.Ordinal);

        /// <summary>Per member name the lookups asked about, how many trees were looked at for its declarations (for the benchmark).</summary>
        internal IReadOnlyDictionary<string, int> NameScans => _nameScans;

        // Per tree, the names of the members it declares (read from syntax alone, on first need).
        private readonly Dictionary<SyntaxTree, HashSet<string>> _declaredNames = new Dictionary<SyntaxTree, HashSet<string>>();

        /// <summary>
        /// Collects the trees that declare a member named <paramref name="name"/> (see <see cref="_collectByName"/>),
        /// until <paramref name="enough"/> says the answer can no longer change (more implementations than are
        /// followed); a later lookup of the same name goes on from there. Called under the index's lock.
        /// </summary>
        private void CollectTreesDeclaring(string? name, Func<bool> enough)
        {
            if (!_collectByName || _frozen)
            {
                return;
            }

            // A name that is not an identifier its overrides are written with (an operator, a finalizer): every tree.
            bool identifier = name != null && name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c == '_');
            string key = identifier ? name! : "";
            _nameScans.TryGetValue(key, out int next);
            for (; next < _trees.Length && !enough(); next++)
            {
                var tree = _trees[next];
                if (!_bodiesByTree.ContainsKey(tree) && (!identifier || DeclaredNames(tree).Contains(key)))
                {
                    CollectTreeCore(tree);
                }
            }

            _nameScans[key] = next;
        }

        private HashSet<string> DeclaredNames(SyntaxTree tree)
        {
            if (!_declaredNames.TryGetValue(tree, out var names))
            {
                names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var node in tree.GetRoot(CancellationToken).DescendantNodes(n => n is CompilationUnitSyntax || n is BaseNamespaceDeclarationSyntax || n is TypeDeclarationSyntax))
                {
                    switch (node)
                    {
                        case MethodDeclarationSyntax method: names.Add(method.Identifier.ValueText); break;
                        case PropertyDeclarationSyntax property: names.Add(property.Identifier.ValueText); break;
                        case EventDeclarationSyntax @event: names.Add(@event.Identifier.ValueText); break;
                        case EventFieldDeclarationSyntax events:
                            foreach (var variable in events.Declaration.Variables) names.Add(variable.Identifier.ValueText);
                            break;
                    }
                }

                _declaredNames[tree] = names;
            }

            return names;
        }

        /// <summary>
        /// The member keys under which a property's value is stored: its own when it is an auto-property, and those of
        /// every auto-property in the compilation that overrides or implements it (an interface or abstract property
        /// has no storage of its own; a read or write through it reaches the implementing object's).
        /// </summary>
        public IReadOnlyList<IPropertySymbol> PropertyStorage(IPropertySymbol property) => Indexed(property, (self, x) => self.PropertyStorageCore(x));

        private IReadOnlyList<IPropertySymbol> PropertyStorageCore(IPropertySymbol property)
        {
            var definition = property.OriginalDefinition;
            CollectDeclaringTrees(definition);
            if (definition.IsVirtual || definition.IsAbstract || definition.IsOverride || definition.ContainingType?.TypeKind == TypeKind.Interface) CollectTreesDeclaring(definition.Name, () => _storedImplementations.TryGetValue(definition, out var found) && found.Count > MaxDispatchTargets);

            var result = new List<IPropertySymbol>();
            if (_autoProperties.Contains(definition))
            {
                result.Add(definition);
            }

            if (_storedImplementations.TryGetValue(definition, out var implementations) && implementations.Count <= MaxDispatchTargets)
            {
                result.AddRange(implementations.Where(i => !result.Contains(i, SymbolEqualityComparer.Default)).OrderBy(SourceOrder));
            }

            return result;
        }

        /// <summary>Maps each virtual, abstract and interface method to the compilation's bodies that override or implement it.</summary>
        private void IndexImplementations(IReadOnlyList<BodyInfo> bodies, IReadOnlyList<IPropertySymbol> autoProperties)
        {
            void AddStored(IPropertySymbol key, IPropertySymbol stored)
            {
                if (!_storedImplementations.TryGetValue(key.OriginalDefinition, out var list))
                {
                    _storedImplementations[key.OriginalDefinition] = list = new List<IPropertySymbol>();
                }

                if (!list.Contains(stored, SymbolEqualityComparer.Default)) list.Add(stored);
            }

            foreach (var property in autoProperties)
            {
                if (property.IsStatic || property.ContainingType == null)
                {
                    continue;
                }

                for (var overridden = property.OverriddenProperty; overridden != null; overridden = overridden.OverriddenProperty)
                {
                    AddStored(overridden, property);
                }

                foreach (var @interface in property.ContainingType.AllInterfaces)
                {
                    foreach (var member in @interface.GetMembers(property.ExplicitInterfaceImplementations.IsEmpty ? property.Name : property.ExplicitInterfaceImplementations[0].Name))
                    {
                        if (member is IPropertySymbol interfaceProperty
                            && SymbolEqualityComparer.Default.Equals(property.ContainingType.FindImplementationForInterfaceMember(interfaceProperty), property))
                        {
                            AddStored(interfaceProperty, property);
                        }
                    }
                }
            }

            void Add(IMethodSymbol key, BodyInfo body)
            {
                if (!_implementations.TryGetValue(key.OriginalDefinition, out var list))
                {
                    _implementations[key.OriginalDefinition] = list = new List<BodyInfo>();
                }

                if (!list.Contains(body)) list.Add(body);
            }

            var types = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
            foreach (var body in bodies)
            {
                if (body.Method is not { } method || method.IsStatic || method.ContainingType == null)
                {
                    continue;
                }

                for (var overridden = method.OverriddenMethod; overridden != null; overridden = overridden.OverriddenMethod)
                {
                    Add(overridden, body);
                }

                foreach (var explicitImplementation in method.ExplicitInterfaceImplementations)
                {
                    Add(explicitImplementation, body);
                }

                types.Add(method.ContainingType);
            }

            // Implicit interface implementations, asked once per type and interface member rather than per body.
            foreach (var type in types)
            {
                foreach (var @interface in type.AllInterfaces)
                {
                    foreach (var member in @interface.GetMembers())
                    {
                        if (member is IMethodSymbol interfaceMethod && !interfaceMethod.IsStatic
                            && type.FindImplementationForInterfaceMember(interfaceMethod) is IMethodSymbol implementation
                            && SymbolEqualityComparer.Default.Equals(implementation.ContainingType, type)
                            && TryGetBody(implementation) is { } body)
                        {
                            Add(interfaceMethod, body);
                        }
                    }
                }
            }
        }

        /// <summary>Whether the __GFP_PACKED written at <paramref name="site"/> makes more than one allocation packed.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool FlagSiteShared(Location site) =>
            _outcomes.SelectMany(r => r.AllocationsByFlagSite.TryGetValue(site, out var allocations) ? allocations : Enumerable.Empty<Location>()).Distinct().Count() > 1;

        /// <summary>
        /// Whether the statement holding an allocation or mapping has compile errors. Asked once per statement: the
        /// same call is evaluated in every loop iteration, context and round, and binding diagnostics is not cheap.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public bool StatementHasErrors(IOperation operation)
        {
            // Not under the lock: asking the semantic model for diagnostics binds, and two threads asking for the
            // same statement at once just compute the same answer.
            // Looked up before anything is made: a GetOrAdd with a lambda over the operation would allocate at every call.
            var statement = operation.Syntax.FirstAncestorOrSelf<Microsoft.CodeAnalysis.CSharp.Syntax.StatementSyntax>() ?? operation.Syntax;
            if (!_statementErrors.TryGetValue(statement, out bool hasErrors))
            {
                hasErrors = statement.ContainsDiagnostics
                    || operation.SemanticModel?.GetDiagnostics(statement.Span, CancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error) == true;
                _statementErrors[statement] = hasErrors;
            }

            return hasErrors;
        }

        /// <summary>Names a symbol's definition for heap keys; computed once per symbol (it is asked at every field access).</summary>
        [MethodImpl(HotPath.Optimized)]
        public static string SymbolKey(ISymbol symbol) =>
            SymbolKeys.GetValue(symbol.OriginalDefinition, definition => definition.GetDocumentationCommentId() ?? definition.ToDisplayString());

        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ISymbol, string> SymbolKeys =
            new System.Runtime.CompilerServices.ConditionalWeakTable<ISymbol, string>();

        /// <summary>
        /// The bodies of one tree, found (by syntax and declared symbols; nothing is bound) on first request and
        /// indexed: methods by symbol, overrides and implementations, auto-properties. Trees are collected only when
        /// relevance or a call leads to them, so code far from DMA is never looked at. Null for a tree not in the compilation.
        /// </summary>
        public IReadOnlyList<BodyInfo>? CollectTree(SyntaxTree tree) => Indexed(tree, (self, x) => self.CollectTreeCore(x));

        private IReadOnlyList<BodyInfo>? CollectTreeCore(SyntaxTree tree)
        {
            if (_bodiesByTree.TryGetValue(tree, out var existing))
            {
                return existing;
            }

            if (!_treeOrder.TryGetValue(tree, out int treeOrder))
            {
                return null;
            }

            CancellationToken.ThrowIfCancellationRequested();
            var bodies = new List<BodyInfo>();
            var types = new List<INamedTypeSymbol>();
            _bodiesByTree[tree] = bodies;
            _typesByTree[tree] = types;
            int autoPropertiesBefore = _autoPropertyList.Count;
#pragma warning disable RS1030 // The analysis is whole-compilation: it needs the bodies of other trees than the one being reported.
            var model = _compilation.GetSemanticModel(tree);
#pragma warning restore RS1030
            var root = tree.GetRoot(CancellationToken);
            int position = 0;
            foreach (var node in root.DescendantNodesAndSelf(descendIntoChildren: n => n is CompilationUnitSyntax || n is BaseNamespaceDeclarationSyntax || n is TypeDeclarationSyntax))
            {
                if (node is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax && model.GetDeclaredSymbol(node, CancellationToken) is INamedTypeSymbol type)
                {
                    types.Add(type);
                }

                foreach (var (owner, bodyNode) in BodiesOf(node, model))
                {
                    // Source order across the whole compilation, whatever order trees are collected in.
                    var body = new BodyInfo(owner, bodyNode, model, (treeOrder << TreeOrderShift) + position++);
                    bodies.Add(body);
                    _bodies.Add(body);
                    if (owner is IMethodSymbol method && !_bodiesByMethod.ContainsKey(method.OriginalDefinition))
                    {
                        _bodiesByMethod.Add(method.OriginalDefinition, body);
                    }
                    else if (owner is not IMethodSymbol && !owner.IsStatic)
                    {
                        _instanceInitializers[owner.OriginalDefinition] = body;
                    }
                }
            }

            IndexImplementations(bodies, _autoPropertyList.GetRange(autoPropertiesBefore, _autoPropertyList.Count - autoPropertiesBefore));
            _inherited?.Apply(treeOrder, bodies);
            return bodies;
        }

        /// <summary>The types declared in a tree, found by the same walk as its bodies (<see cref="CollectTree"/>).</summary>
        public IReadOnlyList<INamedTypeSymbol> DeclaredTypes(SyntaxTree tree) =>
            CollectTree(tree) != null ? _typesByTree[tree] : Array.Empty<INamedTypeSymbol>();

        private IEnumerable<(ISymbol Owner, SyntaxNode Body)> BodiesOf(SyntaxNode node, SemanticModel model)
        {
            switch (node)
            {
                case CompilationUnitSyntax unit when unit.Members.OfType<GlobalStatementSyntax>().Any():
                    {
                        var entry = model.GetEnclosingSymbol(unit.Members.OfType<GlobalStatementSyntax>().First().SpanStart, CancellationToken);
                        if (entry != null)
                        {
                            yield return (entry, unit);
                        }

                        break;
                    }

                case BaseMethodDeclarationSyntax method when method.Body != null || method.ExpressionBody != null:
                    {
                        if (model.GetDeclaredSymbol(method, CancellationToken) is ISymbol symbol)
                        {
                            yield return (symbol, method);
                        }

                        break;
                    }

                case BasePropertyDeclarationSyntax property:
                    {
                        var symbol = model.GetDeclaredSymbol(property, CancellationToken) as IPropertySymbol;
                        if (symbol == null)
                        {
                            break;
                        }

                        if (property is PropertyDeclarationSyntax { ExpressionBody: { } arrow } && symbol.GetMethod != null)
                        {
                            yield return (symbol.GetMethod, arrow);
                        }
                        else if (property is IndexerDeclarationSyntax { ExpressionBody: { } indexerArrow } && symbol.GetMethod != null)
                        {
                            yield return (symbol.GetMethod, indexerArrow);
                        }

                        if (property.AccessorList != null)
                        {
                            foreach (var accessor in property.AccessorList.Accessors)
                            {
                                if ((accessor.Body != null || accessor.ExpressionBody != null)
                                    && model.GetDeclaredSymbol(accessor, CancellationToken) is IMethodSymbol accessorSymbol)
                                {
                                    yield return (accessorSymbol, accessor);
                                }
                            }
                        }

                        if (property is PropertyDeclarationSyntax { ExpressionBody: null, AccessorList: { } accessors }
                            && !symbol.IsAbstract && !symbol.IsExtern && symbol.ContainingType?.TypeKind != TypeKind.Interface
                            && accessors.Accessors.All(a => a.Body == null && a.ExpressionBody == null))
                        {
                            // An auto-property: its value is stored in the object, under its own member key.
                            if (_autoProperties.Add(symbol.OriginalDefinition)) _autoPropertyList.Add(symbol.OriginalDefinition);
                        }

                        if (property is PropertyDeclarationSyntax { Initializer: { } initializer })
                        {
                            yield return (symbol, initializer);
                        }

                        break;
                    }

                case BaseFieldDeclarationSyntax field:
                    foreach (var variable in field.Declaration.Variables)
                    {
                        if (variable.Initializer != null && model.GetDeclaredSymbol(variable, CancellationToken) is ISymbol fieldSymbol)
                        {
                            yield return (fieldSymbol, variable.Initializer);
                        }
                    }

                    break;
            }
        }
    }

    /// <summary>The context a body is analysed in; equal contexts share one analysis.</summary>
    internal sealed class CallKey : System.IEquatable<CallKey>
    {
        public CallKey(BodyInfo body, AbstractValue? thisValue, ImmutableArray<AbstractValue> arguments, GuardScope? guard, int depthLeft, bool rootHasCallers)
        {
            Body = body;
            This = thisValue;
            Arguments = arguments;
            Guard = guard;
            DepthLeft = depthLeft;
            RootHasCallers = rootHasCallers;
        }

        /// <summary>A context made by joining the contexts of a method called in many (see <see cref="FlowRun"/>): never widened again.</summary>
        public bool IsWidened { get; private set; }

        /// <summary>
        /// The context that covers this one and <paramref name="other"/> (same body): values joined, the devices both
        /// checked, the larger remaining depth, and parameters reported unless both say callers decide. What the body
        /// does in it includes what it does in either, so a finding in either is found in it.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public CallKey Widen(CallKey other)
        {
            var arguments = Arguments;
            if (other.Arguments.Length == arguments.Length)
            {
                var joined = ImmutableArray.CreateBuilder<AbstractValue>(arguments.Length);
                for (int i = 0; i < arguments.Length; i++) joined.Add(arguments[i].Join(other.Arguments[i]));
                arguments = joined.MoveToImmutable();
            }

            var thisValue = This == null ? other.This : other.This == null ? This : This.Join(other.This);
            return new CallKey(Body, thisValue, arguments, GuardScope.Meet(Guard, other.Guard), System.Math.Max(DepthLeft, other.DepthLeft),
                RootHasCallers && other.RootHasCallers) { IsWidened = true };
        }

        public BodyInfo Body { get; }
        public AbstractValue? This { get; }
        public ImmutableArray<AbstractValue> Arguments { get; }
        /// <summary>The devices the caller checked on every path to the call (null: none).</summary>
        public GuardScope? Guard { get; }
        public int DepthLeft { get; }
        public bool RootHasCallers { get; }

        [MethodImpl(HotPath.Optimized)]
        public bool Equals(CallKey? other)
        {
            if (other == null || other.Body != Body || !GuardScope.Same(other.Guard, Guard) || other.DepthLeft != DepthLeft
                || other.RootHasCallers != RootHasCallers || !Equals(This, other.This) || Arguments.Length != other.Arguments.Length)
            {
                return false;
            }

            for (int i = 0; i < Arguments.Length; i++)
            {
                if (!Arguments[i].Equals(other.Arguments[i])) return false;
            }

            return true;
        }

        public override bool Equals(object? obj) => Equals(obj as CallKey);

        [MethodImpl(HotPath.Optimized)]
        public override int GetHashCode()
        {
            int hash = Body.Order * 31 + DepthLeft * 7 + (Guard?.GetHashCode() ?? 0) + (RootHasCallers ? 2 : 0);
            hash = hash * 31 + (This?.GetHashCode() ?? 0);
            foreach (var argument in Arguments) hash = hash * 31 + argument.GetHashCode();
            return hash;
        }
    }

    /// <summary>What one analysis of a body found.</summary>
    internal sealed class CallResult
    {
        public CallResult(AbstractValue returnValue, ImmutableArray<AbstractValue> finalArguments, FlowState? exitState, IReadOnlyList<Finding> hits,
            IReadOnlyList<HandleUse> handleUses, IReadOnlyList<SleepInAtomic> sleeps, IReadOnlyList<Origin> closes)
        {
            Sleeps = sleeps;
            Closes = closes;
            HandleUses = handleUses;
            Return = returnValue;
            FinalArguments = finalArguments;
            ExitState = exitState;
            Hits = hits;
        }

        public AbstractValue Return { get; }

        /// <summary>The parameters' values at exit, by ordinal: what out and ref arguments receive.</summary>
        public ImmutableArray<AbstractValue> FinalArguments { get; }

        public FlowState? ExitState { get; }
        /// <summary>What the body and its callees found (final: a caller only passes them on).</summary>
        public IReadOnlyList<Finding> Hits { get; }

        /// <summary>Mapping handles the body used unchecked: its own (findings), or its parameters' (for each caller to judge).</summary>
        public IReadOnlyList<HandleUse> HandleUses { get; }

        /// <summary>Calls that may sleep, made where the body itself was not atomic: a caller in an atomic section makes each a finding.</summary>
        public IReadOnlyList<SleepInAtomic> Sleeps { get; }

        /// <summary>Atomic sections the body closed without having opened them (an unlock helper): they close in the caller.</summary>
        public IReadOnlyList<Origin> Closes { get; }
    }

    /// <summary>
    /// Summary entries (fields and heap members). For what an analysis read, directly or through the calls it made,
    /// each with the version it had when read: the analysis saw every write up to that version, so only a later
    /// write can change what it found. For what a run wrote (<see cref="FlowRun.Writes"/>), the keys alone matter.
    /// <para>
    /// What the calls read is kept by reference (<see cref="Add"/>), not copied: a callee's reads, or a memoised
    /// analysis's, reach every caller up to the root, and copying them at each level was a growing dictionary per
    /// analysis (the largest allocation after the states). The entries are gathered only when asked for, which is
    /// once per root per round and once per run.
    /// </para>
    /// </summary>
    internal sealed class SummaryEntries
    {
        private static readonly Dictionary<string, int> NoFields = new Dictionary<string, int>();
        private static readonly Dictionary<HeapKey, int> NoHeap = new Dictionary<HeapKey, int>();

        // Made on the first entry: most analyses of a body in a context read no summary at all.
        private Dictionary<string, int>? _fields;
        private Dictionary<HeapKey, int>? _heap;

        // Complete entries of the calls made; their entries count as this one's (the same one added twice in a row
        // is kept once; repeats further apart are gathered once, by identity).
        private List<SummaryEntries>? _included;

        // This one's entries with the included ones', gathered on the first ask after a change.
        private SummaryEntries? _gathered;

        /// <summary>Every field entry, the included ones' too, each with its oldest version.</summary>
        public IReadOnlyDictionary<string, int> Fields => Gathered()._fields ?? NoFields;

        /// <summary>Every heap entry, the included ones' too, each with its oldest version.</summary>
        public IReadOnlyDictionary<HeapKey, int> Heap => Gathered()._heap ?? NoHeap;

        private bool IsEmpty => _fields == null && _heap == null && _included == null;

        [MethodImpl(HotPath.Optimized)]
        public void AddField(string key, int version)
        {
            _gathered = null;
            AddOldest(_fields ??= new Dictionary<string, int>(StringComparer.Ordinal), key, version);
        }

        [MethodImpl(HotPath.Optimized)]
        public void AddHeap(HeapKey key, int version)
        {
            _gathered = null;
            AddOldest(_heap ??= new Dictionary<HeapKey, int>(), key, version);
        }

        /// <summary>Counts <paramref name="other"/>'s entries as this one's; <paramref name="other"/> must not change after.</summary>
        [MethodImpl(HotPath.Optimized)]
        public void Add(SummaryEntries other)
        {
            if (other.IsEmpty || ReferenceEquals(other, this))
            {
                return;
            }

            _included ??= new List<SummaryEntries>();
            if (_included.Count > 0 && ReferenceEquals(_included[_included.Count - 1], other))
            {
                return;
            }

            _gathered = null;
            _included.Add(other);
        }

        [MethodImpl(HotPath.Optimized)]
        private SummaryEntries Gathered()
        {
            if (_included == null)
            {
                return this;
            }

            if (_gathered != null)
            {
                return _gathered;
            }

            var gathered = new SummaryEntries();
            var visited = new HashSet<SummaryEntries>();
            var pending = new Stack<SummaryEntries>();
            pending.Push(this);
            while (pending.Count > 0)
            {
                var entries = pending.Pop();
                if (!visited.Add(entries))
                {
                    continue;
                }

                if (entries._fields != null) foreach (var pair in entries._fields) AddOldest(gathered._fields ??= new Dictionary<string, int>(StringComparer.Ordinal), pair.Key, pair.Value);
                if (entries._heap != null) foreach (var pair in entries._heap) AddOldest(gathered._heap ??= new Dictionary<HeapKey, int>(), pair.Key, pair.Value);
                if (entries._included != null) foreach (var included in entries._included) pending.Push(included);
            }

            return _gathered = gathered;
        }

        [MethodImpl(HotPath.Optimized)]
        private static void AddOldest<TKey>(Dictionary<TKey, int> map, TKey key, int version)
            where TKey : notnull
        {
            if (!map.TryGetValue(key, out int existing) || version < existing)
            {
                map[key] = version;
            }
        }
    }

    /// <summary>The whole compilation's step budget ran out: the analysis stops where it is.</summary>
    internal sealed class CompilationBudgetExceededException : System.Exception
    {
    }

    internal sealed class BudgetExceededException : System.Exception
    {
        public BudgetExceededException(int steps) => Steps = steps;

        public int Steps { get; }
    }
}
