using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// One analysis of a set of roots to a fixed point, with its own summaries, memo and findings: the mutable half of
    /// the engine (<see cref="CompilationFlow"/> holds the compilation's bodies, shared and read-only once relevance
    /// is known). Roots run in source order, round after round, until the summaries of fields and heap members they
    /// write stop growing; a round re-runs only the roots that read an entry which was written again after they read it.
    /// Runs over disjoint sets of roots share nothing but the step counter, so they can go on different threads;
    /// what each read and wrote of the summaries (<see cref="Reads"/>, <see cref="Writes"/>) says whether two of them
    /// could have seen each other's results (see <see cref="FlowGroups"/>).
    /// </summary>
    internal sealed class FlowRun
    {
        private readonly Dictionary<string, AbstractValue> _globalFields = new Dictionary<string, AbstractValue>();
        private readonly Dictionary<HeapKey, AbstractValue> _globalHeap = new Dictionary<HeapKey, AbstractValue>();
        private readonly Dictionary<CallKey, CallResult?> _memo = new Dictionary<CallKey, CallResult?>();
        private readonly HashSet<CallKey> _inProgress = new HashSet<CallKey>();
        private readonly Dictionary<BodyInfo, int> _contextCounts = new Dictionary<BodyInfo, int>();
        private readonly Dictionary<BodyInfo, CallKey> _widened = new Dictionary<BodyInfo, CallKey>();
        private readonly Dictionary<(string, Location, Location), Finding> _findings = new Dictionary<(string, Location, Location), Finding>();
        private readonly Dictionary<ISymbol, (BodyInfo Body, string Reason)> _overBudget = new Dictionary<ISymbol, (BodyInfo, string)>(SymbolEqualityComparer.Default);
        private readonly Dictionary<Location, HashSet<Location>> _allocationsByFlagSite = new Dictionary<Location, HashSet<Location>>();
        private readonly Dictionary<(SyntaxNode Site, int Context, bool CoherentDevice), ObjectId> _siteObjects =
            new Dictionary<(SyntaxNode Site, int Context, bool CoherentDevice), ObjectId>();
        private readonly Dictionary<ILocalSymbol, ObjectId?> _localObjects = new Dictionary<ILocalSymbol, ObjectId?>(FlowState.LocalComparer);
        private readonly List<BodyInfo> _uncheckedRoots = new List<BodyInfo>();
        private readonly HashSet<int> _touchedTrees = new HashSet<int>();
        private readonly Dictionary<IOperation, AbstractValue> _constants = new Dictionary<IOperation, AbstractValue>();
        private readonly StepCounter _steps;
        private int _globalVersion;
        private BodyInfo? _currentRoot;

        // What each analysis read of the summaries, and at which version, so that a round re-runs only the roots
        // that read something written again afterwards (see NeedsRun).
        private readonly Stack<SummaryEntries> _reads = new Stack<SummaryEntries>();
        private readonly Dictionary<CallKey, SummaryEntries> _memoReads = new Dictionary<CallKey, SummaryEntries>();
        private readonly Dictionary<BodyInfo, SummaryEntries> _rootReads = new Dictionary<BodyInfo, SummaryEntries>();
        private readonly Dictionary<string, int> _fieldVersions = new Dictionary<string, int>();
        private readonly Dictionary<HeapKey, int> _heapVersions = new Dictionary<HeapKey, int>();

        public FlowRun(CompilationFlow flow, IReadOnlyList<BodyInfo> roots, StepCounter steps)
        {
            Flow = flow;
            Roots = roots;
            _steps = steps;
        }

        public CompilationFlow Flow { get; }

        /// <summary>The roots this run analyses, in source order.</summary>
        public IReadOnlyList<BodyInfo> Roots { get; }

        /// <summary>Operation visits this run made.</summary>
        public long Steps { get; private set; }

        public int Rounds { get; private set; }

        /// <summary>Operation visits after the first round (re-runs of roots whose summaries changed), for the benchmark.</summary>
        public long StepsAfterFirstRound => _stepsInFirstRound < 0 ? 0 : Steps - _stepsInFirstRound;

        // The steps the first round took, once a second round starts; -1 while there is none.
        private long _stepsInFirstRound = -1;

        /// <summary>Bodies analysed in a context (memo misses), for the benchmark.</summary>
        public long Analyses { get; private set; }

        /// <summary>Every summary entry this run read, over all its rounds.</summary>
        public SummaryEntries Reads { get; } = new SummaryEntries();

        /// <summary>Every summary entry this run wrote, whether or not the write changed it.</summary>
        public SummaryEntries Writes { get; } = new SummaryEntries();

        public IReadOnlyList<BodyInfo> UncheckedRoots => _uncheckedRoots;

        public IReadOnlyCollection<Finding> Findings => _findings.Values;

        public IEnumerable<(BodyInfo Body, string Reason)> OverBudget => _overBudget.Values;

        public IReadOnlyDictionary<Location, HashSet<Location>> AllocationsByFlagSite => _allocationsByFlagSite;

        /// <summary>The trees (by index in the compilation) of the bodies this run analysed or read a getter of.</summary>
        public IReadOnlyCollection<int> TouchedTrees => _touchedTrees;

        /// <summary>The value a constant operation was found to have (see <see cref="KeepConstant"/>).</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool TryGetConstant(IOperation operation, out AbstractValue value) => _constants.TryGetValue(operation, out value!);

        /// <summary>
        /// The mapping <paramref name="handle"/> as made by the call that returned it: one per call and handle for the
        /// whole run (a call is visited in every loop turn, context and round).
        /// </summary>
        public Origin MadeByCall(IOperation call, Origin handle, string callee)
        {
            if (!_madeByCall.TryGetValue((call, handle), out var made))
            {
                made = handle.MadeBy(call.Syntax.GetLocation(), callee);
                _madeByCall[(call, handle)] = made;
            }

            return made;
        }

        private readonly Dictionary<(IOperation, Origin), Origin> _madeByCall = new Dictionary<(IOperation, Origin), Origin>();

        /// <summary>Keeps a constant operation's value: it is the same at every visit.</summary>
        public void KeepConstant(IOperation operation, AbstractValue value) => _constants[operation] = value;

        /// <summary>Notes that what the run finds depends on <paramref name="body"/>'s code.</summary>
        [MethodImpl(HotPath.Optimized)]
        public void Touch(BodyInfo body) => _touchedTrees.Add(body.Order >> CompilationFlow.TreeOrderShift);

        [MethodImpl(HotPath.Optimized)]
        public void Run()
        {
            for (int round = 0; round < CompilationFlow.MaxRounds; round++)
            {
                Rounds = round + 1;
                if (round == 1)
                {
                    _stepsInFirstRound = Steps;
                }

                int versionAtStart = _globalVersion;
                _memo.Clear();
                _memoReads.Clear();
                _contextCounts.Clear();
                _widened.Clear();
                for (int i = 0; i < Roots.Count; i++)
                {
                    Flow.CancellationToken.ThrowIfCancellationRequested();
                    if (!NeedsRun(Roots[i]))
                    {
                        // Nothing it read has changed since it last ran: it would find the same.
                        continue;
                    }

                    try
                    {
                        AnalyzeRoot(Roots[i]);
                    }
                    catch (CompilationBudgetExceededException)
                    {
                        // Every root from this one on was not analysed with the latest summaries (in the first round,
                        // not at all): they are what the notice names.
                        _uncheckedRoots.AddRange(Roots.Skip(i));
                        return;
                    }
                }

                if (_globalVersion == versionAtStart)
                {
                    break;
                }
            }
        }

        /// <summary>Whether a root has never run, or read a summary entry that was written again after it read it.</summary>
        [MethodImpl(HotPath.Optimized)]
        private bool NeedsRun(BodyInfo root)
        {
            if (!_rootReads.TryGetValue(root, out var last))
            {
                return true;
            }

            foreach (var field in last.Fields)
            {
                if (_fieldVersions.TryGetValue(field.Key, out int version) && version > field.Value) return true;
            }

            foreach (var heap in last.Heap)
            {
                if (_heapVersions.TryGetValue(heap.Key, out int version) && version > heap.Value) return true;
            }

            return false;
        }

        private void AnalyzeRoot(BodyInfo root)
        {
            _currentRoot = root;
            _reads.Push(new SummaryEntries());
            try
            {
                AnalyzeRootCore(root);
            }
            finally
            {
                var reads = _reads.Pop();
                _rootReads[root] = reads;
                Reads.Add(reads);
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private void AnalyzeRootCore(BodyInfo root)
        {
            var (args, thisValue) = root.RootStart ??= StartOf(root);
            var key = new CallKey(root, thisValue, args, guard: null, Flow.Options.MaxCallDepth, root.HasCallers);
            var result = AnalyzeCall(key);
            if (result != null)
            {
                foreach (var hit in result.Hits)
                {
                    AddFinding(hit);
                }

                // What is left of the handles' uses at a root is about mappings made in it or below it: a parameter's
                // handle has no caller here to judge it (a root's parameters hold none).
                foreach (var use in result.HandleUses)
                {
                    if (use.Handle.Kind != OriginKind.ParameterHandle)
                    {
                        AddFinding(use);
                    }
                }
            }
        }

        private void AddFinding(Finding finding)
        {
            if (!_findings.ContainsKey(finding.Key))
            {
                _findings.Add(finding.Key, finding);
            }
        }

        private static (ImmutableArray<AbstractValue> Arguments, AbstractValue? This) StartOf(BodyInfo root)
        {
            var parameters = root.Method?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
            var args = ImmutableArray.CreateBuilder<AbstractValue>(parameters.Length);
            foreach (var parameter in parameters)
            {
                args.Add(UnknownParameterValue(parameter));
            }

            AbstractValue? thisValue = root.Owner.IsStatic || root.Owner.ContainingType == null
                ? null
                : AbstractValue.ForObject(ObjectId.ForThis(root.Owner.ContainingType));
            return (args.MoveToImmutable(), thisValue);
        }

        /// <summary>A parameter of the method the analysis starts at: unknown, and marked so that its callers decide.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static AbstractValue UnknownParameterValue(IParameterSymbol parameter)
        {
            var value = AbstractValue.Bottom.WithConsts(ConstSet.Parameter);

            // A kernel pointer parameter names the buffer it brings (for PA0006: the CPU touching what the method mapped).
            if (TypeFacts.IsRuntimeType(parameter.Type, "KernelPtr") && parameter.Locations.Length > 0)
            {
                value = value.WithHandles(ValueSet<Origin>.Create(Origin.ForBuffer(parameter.Locations[0], parameter.Name)));
            }

            // A device parameter is named too (though a device carries no buffer), so that a check on one device is
            // told apart from a mapping for another.
            return TypeFacts.IsReferenceLike(parameter.Type) || MethodFlow.IsDevice(parameter.Type)
                ? value.WithObjects(ObjectId.ForParameter(parameter).Value.Objects)
                : value;
        }

        /// <summary>
        /// Analyses a body in one context, or, past <see cref="CompilationFlow.ContextsBeforeWidening"/> contexts of the
        /// body in this round, in its widened context; null when it cannot be (recursion, too many contexts, over budget).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public CallResult? AnalyzeCall(CallKey key)
        {
            if (_memo.TryGetValue(key, out var cached))
            {
                if (_memoReads.TryGetValue(key, out var cachedReads) && _reads.Count > 0)
                {
                    _reads.Peek().Add(cachedReads);
                }

                return cached;
            }

            if (_inProgress.Contains(key))
            {
                return null;
            }

            _contextCounts.TryGetValue(key.Body, out int contexts);
            if (contexts >= CompilationFlow.ContextsBeforeWidening && !key.IsWidened && key.DepthLeft < Flow.Options.MaxCallDepth)
            {
                // Past a few contexts, a call shares the body's widened context, grown by this call's values (the
                // memo answers when it did not grow). Roots keep their own analysis.
                var widened = _widened.TryGetValue(key.Body, out var previous) ? previous.Widen(key) : key.Widen(key);
                _widened[key.Body] = widened;
                return AnalyzeCall(widened);
            }

            if (contexts >= CompilationFlow.MaxContextsPerBody)
            {
                // Callers past the cap get the conservative treatment (what they pass may come back). That loses
                // nothing for a body that cannot reach the Kernel API; for one that can, a mapping inside may go
                // unchecked for those callers, so it is said, not silent.
                if (key.Body.ReachesKernel)
                {
                    RecordOverBudget(key.Body, CompilationFlow.MaxContextsPerBody.ToString(CultureInfo.InvariantCulture) + " calling contexts, the most one method is analysed in");
                }

                return null;
            }

            _contextCounts[key.Body] = contexts + 1;
            Touch(key.Body);
            var graph = key.Body.GetGraph(Flow.CancellationToken);
            if (graph == null)
            {
                _memo[key] = null;
                return null;
            }

            _inProgress.Add(key);
            Analyses++;
            CallResult? result;
            var flow = new MethodFlow(this, key.Body, graph, key.This, key.DepthLeft, key.RootHasCallers, HeapContext(key));
            var reads = new SummaryEntries();
            _reads.Push(reads);
            try
            {
                result = flow.RunBody(key.Arguments, key.Guard);
            }
            catch (BudgetExceededException exceeded)
            {
                RecordOverBudget(key.Body, string.Format(CultureInfo.InvariantCulture, "{0} steps, budget {1}", exceeded.Steps, Flow.Options.MaxSteps));

                result = null;
            }
            finally
            {
                _inProgress.Remove(key);
                _reads.Pop();
                if (_reads.Count > 0)
                {
                    _reads.Peek().Add(reads);
                }
            }

            _memo[key] = result;
            _memoReads[key] = reads;
            return result;
        }

        /// <summary>Counts one operation visit against the compilation's budget.</summary>
        [MethodImpl(HotPath.Optimized)]
        public void CountStep()
        {
            if (!_steps.TryTake())
            {
                throw new CompilationBudgetExceededException();
            }

            Steps++;
        }

        /// <summary>
        /// What objects created in an analysis of a body in <paramref name="key"/>'s context are qualified by (heap
        /// cloning): the packed allocations its arguments and receiver may hold. A helper that builds a scatterlist
        /// or a request around the buffer it is given then builds a distinct one for each packed buffer, and one for
        /// all callers that pass none, so a packed buffer's object is not the safe buffers' object. Only the
        /// origins, not the whole context: qualifying by every argument made objects distinct where nothing
        /// tracked differed, and contexts multiplied downstream (the runtime's own sources passed the cap of 64).
        /// A constructor is also qualified by the object it initialises (see below). Roots (and other contexts with no
        /// packed allocation) qualify nothing. Origins are named by their hash, which
        /// is the same in every group of one compilation; two sets whose hashes collide share their objects, which
        /// loses precision, never a warning.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private int HeapContext(CallKey key)
        {
            if (key.DepthLeft >= Flow.Options.MaxCallDepth)
            {
                return 0;
            }

            int hash = 0;
            if (key.This != null)
            {
                foreach (var origin in key.This.Origins) hash += origin.GetHashCode();

                // A constructor run for an object created at a known place makes that object's own parts (the table
                // it allocates, the list it starts): one per object, like the object itself, not one per class.
                if (key.Body.Method is { MethodKind: MethodKind.Constructor } && key.This.Objects.Count == 1
                    && key.This.Objects[0] is { IsAllocationSite: true } created)
                {
                    hash += created.GetHashCode();
                }
            }

            foreach (var argument in key.Arguments)
            {
                foreach (var origin in argument.Origins) hash += origin.GetHashCode();
            }

            return hash;
        }

        /// <summary>The abstract object created at a place in the code in a context, made once per both (it is asked at every visit).</summary>
        [MethodImpl(HotPath.Optimized)]
        public ObjectId SiteObject(SyntaxNode site, int context) => Created(site, context, coherentDevice: false);

        /// <summary>The device created coherent at a place in the code in a context, made once per both.</summary>
        public ObjectId CoherentDevice(SyntaxNode site, int context) => Created(site, context, coherentDevice: true);

        [MethodImpl(HotPath.Optimized)]
        private ObjectId Created(SyntaxNode site, int context, bool coherentDevice)
        {
            if (!_siteObjects.TryGetValue((site, context, coherentDevice), out var obj))
            {
                var location = site.GetLocation();
                _siteObjects[(site, context, coherentDevice)] = obj = coherentDevice
                    ? ObjectId.ForCoherentDevice(location, context)
                    : ObjectId.ForSite(location, context);
            }

            return obj;
        }

        /// <summary>The object a local of a struct type stands for, named by its declaration; made once per local (it is asked at every read).</summary>
        public ObjectId? LocalObject(ILocalSymbol local)
        {
            if (!_localObjects.TryGetValue(local, out var obj))
            {
                _localObjects[local] = obj = local.Locations.IsEmpty ? null : ObjectId.ForSite(local.Locations[0]);
            }

            return obj;
        }

        /// <summary>Remembers which allocations a written __GFP_PACKED made packed, so a fix knows when removing it is unambiguous.</summary>
        [MethodImpl(HotPath.Optimized)]
        public void RecordPackedAllocation(Origin origin)
        {
            foreach (var site in origin.FlagSites)
            {
                if (!_allocationsByFlagSite.TryGetValue(site, out var allocations))
                {
                    _allocationsByFlagSite[site] = allocations = new HashSet<Location>();
                }

                allocations.Add(origin.Site);
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private void RecordOverBudget(BodyInfo body, string reason)
        {
            // A body outside the relevant code (followed because a tracked value flowed into it) is reported through
            // the root that led there: diagnostics only go to trees that hold relevant code.
            if (!body.IsRelevant && _currentRoot != null)
            {
                reason = body.Owner.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + ", which it calls: " + reason;
                body = _currentRoot;
            }

            if (!_overBudget.ContainsKey(body.Owner))
            {
                _overBudget.Add(body.Owner, (body, reason));
            }
        }

        [MethodImpl(HotPath.Optimized)]
        public AbstractValue ReadGlobalField(string fieldKey)
        {
            if (_reads.Count > 0) _reads.Peek().AddField(fieldKey, _fieldVersions.TryGetValue(fieldKey, out int version) ? version : 0);
            return _globalFields.TryGetValue(fieldKey, out var value) ? value : AbstractValue.Bottom;
        }

        [MethodImpl(HotPath.Optimized)]
        public AbstractValue? ReadGlobalHeap(HeapKey key)
        {
            if (_reads.Count > 0) _reads.Peek().AddHeap(key, _heapVersions.TryGetValue(key, out int version) ? version : 0);
            return _globalHeap.TryGetValue(key, out var value) ? value : null;
        }

        [MethodImpl(HotPath.Optimized)]
        public void WriteGlobalField(string fieldKey, AbstractValue value)
        {
            // A mapping handle means something only in the method that holds it: its check is there, not in the
            // summary another method reads (an interrupt handler that unmaps what the probe mapped and checked).
            value = value.WithoutHandles();
            Writes.AddField(fieldKey, 0);
            if (Join(_globalFields, fieldKey, value))
            {
                _fieldVersions[fieldKey] = ++_globalVersion;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        public void WriteGlobalHeap(HeapKey key, AbstractValue value)
        {
            value = value.WithoutHandles();
            Writes.AddHeap(key, 0);
            if (Join(_globalHeap, key, value))
            {
                _heapVersions[key] = ++_globalVersion;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private static bool Join<TKey>(Dictionary<TKey, AbstractValue> map, TKey key, AbstractValue value)
            where TKey : notnull
        {
            // A write of nothing packed still records that the member was written: for an object created at a known
            // site, "written, nothing packed" is what keeps reads from falling back to the per-field summary.
            if (!map.TryGetValue(key, out var existing))
            {
                map[key] = value;
                return true;
            }

            var joined = existing.Join(value);
            if (joined.Equals(existing))
            {
                return false;
            }

            map[key] = joined;
            return true;
        }
    }

    /// <summary>
    /// The compilation's step budget, shared by the runs that spend it (on several threads). Taking a step past the
    /// budget fails from then on, for every run.
    /// </summary>
    internal sealed class StepCounter
    {
        private long _taken;

        public StepCounter(long budget) => Budget = budget;

        public long Budget { get; }

        public long Taken => System.Threading.Interlocked.Read(ref _taken);

        /// <summary>Whether a step was refused: the budget ran out.</summary>
        public bool Exceeded => System.Threading.Volatile.Read(ref _exceeded);

        private bool _exceeded;

        /// <summary>Takes one step if the budget has one left; a refused step is not counted, so the steps taken never exceed the budget.</summary>
        public bool TryTake()
        {
            if (System.Threading.Interlocked.Increment(ref _taken) <= Budget)
            {
                return true;
            }

            System.Threading.Interlocked.Decrement(ref _taken);
            System.Threading.Volatile.Write(ref _exceeded, true);
            return false;
        }
    }
}
