using System.Collections.Generic;
using System.Linq;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// One analysis of one control flow graph in one context: a worklist over basic blocks to a fixed point, with
    /// the transfer functions in the other parts of this class. Branches on dev_is_dma_coherent and
    /// dma_kmalloc_needs_bounce mark the edges on which no bounce is needed; every operation visit counts against
    /// the body's work budget.
    /// </summary>
    internal sealed partial class MethodFlow
    {
        private readonly FlowRun _run;
        private readonly CompilationFlow _flow;
        private readonly BodyInfo _body;
        private readonly ControlFlowGraph _graph;
        private readonly AbstractValue? _this;
        private readonly int _depthLeft;
        private readonly bool _rootHasCallers;
        private readonly List<Finding> _hits = new List<Finding>();
        private readonly HashSet<(string, Location, Location)> _hitKeys = new HashSet<(string, Location, Location)>();
        private FlowState _state = FlowState.Empty;
        private AbstractValue _return = AbstractValue.Bottom;
        private FlowState? _exitState;

        // The bools whose known values keep states apart in this analysis, and how many partitions that makes (3^n).
        private ISymbol[] _splitOn = System.Array.Empty<ISymbol>();
        private int _partitions = 1;

        /// <summary>Flow captures of a local or parameter (a switch's governing value): narrowing one narrows the other.</summary>
        private readonly Dictionary<CaptureId, ISymbol> _captureSources = new Dictionary<CaptureId, ISymbol>();

        public MethodFlow(FlowRun run, BodyInfo body, ControlFlowGraph graph, AbstractValue? thisValue, int depthLeft, bool rootHasCallers, int heapContext)
        {
            _heapContext = heapContext;
            _run = run;
            _flow = run.Flow;
            _body = body;
            _graph = graph;
            _this = thisValue;
            _depthLeft = depthLeft;
            _rootHasCallers = rootHasCallers;
        }

        // Qualifies the objects this analysis creates (see FlowRun.HeapContext); lambdas it runs create theirs in it too.
        private readonly int _heapContext;

        public int Steps { get; private set; }

        /// <summary>Records a hit once per sink and allocation (the first route found is the one kept), however often
        /// the call that found it is evaluated again (each loop iteration, each caller).</summary>
        [MethodImpl(HotPath.Optimized)]
        private void AddHit(Finding hit)
        {
            if (_hitKeys.Add(hit.Key))
            {
                _hits.Add(hit);
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private void AddHits(IReadOnlyList<Finding> hits)
        {
            foreach (var hit in hits)
            {
                AddHit(hit);
            }
        }

        /// <summary>Analyses a body whose parameters hold <paramref name="arguments"/> (by ordinal).</summary>
        [MethodImpl(HotPath.Optimized)]
        public CallResult RunBody(ImmutableArray<AbstractValue> arguments, GuardScope? guard)
        {
            var parameters = _body.Method?.Parameters ?? ImmutableArray<IParameterSymbol>.Empty;
            var initial = FlowState.Empty.WithGuard(guard);
            for (int i = 0; i < parameters.Length && i < arguments.Length; i++)
            {
                initial = initial.WithVariable(parameters[i], arguments[i]);
            }

            Run(initial);
            var finalArguments = FinalValues(parameters);
            var handleUses = FinishHandleUses(finalArguments);
            FindLeaks(finalArguments);
            return new CallResult(_return, finalArguments, _exitState, _hits, handleUses, Sleeps, Closes);
        }

        /// <summary>Analyses the graph from <paramref name="initial"/>: a body with its parameters bound, or a lambda or local function.</summary>
        [MethodImpl(HotPath.Optimized)]
        private CallResult RunNested(FlowState initial, ImmutableArray<IParameterSymbol> parameters)
        {
            Run(initial);

            // A lambda's stores are judged with its caller's (the caller goes on after it returns).
            return new CallResult(_return, FinalValues(parameters), _exitState, _hits, HandleUses, Sleeps, Closes);
        }

        [MethodImpl(HotPath.Optimized)]
        private ImmutableArray<AbstractValue> FinalValues(ImmutableArray<IParameterSymbol> parameters)
        {
            var builder = ImmutableArray.CreateBuilder<AbstractValue>(parameters.Length);
            foreach (var parameter in parameters)
            {
                builder.Add(_exitState?.TryGetVariable(parameter) ?? AbstractValue.Bottom);
            }

            return builder.MoveToImmutable();
        }

        [MethodImpl(HotPath.Optimized)]
        private void Run(FlowState initial)
        {
            var blocks = _graph.Blocks;
            _splitOn = blocks.Length <= MaxBlocksToSplit ? BoolsTestedTwice(blocks) : System.Array.Empty<ISymbol>();
            _partitions = 1;
            foreach (var unused in _splitOn)
            {
                _partitions *= 3;
            }

            // One input per block and partition: states that know different values of a split bool are not joined.
            var inputs = new FlowState?[blocks.Length * _partitions];
            var worklist = new BlockWorklist(inputs.Length);
            JoinInto(0, initial, inputs, worklist);
            while (!worklist.IsEmpty)
            {
                _flow.CancellationToken.ThrowIfCancellationRequested();
                int slot = worklist.TakeLowest();
                var block = blocks[slot / _partitions];
                var input = inputs[slot]!;
                _state = input;
                foreach (var operation in block.Operations)
                {
                    Eval(operation);
                }

                if (block.Kind == BasicBlockKind.Exit)
                {
                    _exitState = _exitState == null ? _state : _exitState.Join(_state);
                    continue;
                }

                var branchValue = block.BranchValue == null ? null : Eval(block.BranchValue);
                var output = _state;
                if (block.ConditionKind != ControlFlowConditionKind.None && branchValue != null)
                {
                    bool conditionalWhenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
                    Propagate(block.ConditionalSuccessor, Narrow(DecidedBy(FailedMappingsGone(Edge(output, branchValue, conditionalWhenTrue), branchValue, conditionalWhenTrue), branchValue, conditionalWhenTrue), block.BranchValue!, conditionalWhenTrue), inputs, worklist);
                    Propagate(block.FallThroughSuccessor, Narrow(DecidedBy(FailedMappingsGone(Edge(output, branchValue, !conditionalWhenTrue), branchValue, !conditionalWhenTrue), branchValue, !conditionalWhenTrue), block.BranchValue!, !conditionalWhenTrue), inputs, worklist);
                }
                else
                {
                    if (branchValue != null && block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return)
                    {
                        _return = _return.Join(branchValue);
                    }

                    if (block.FallThroughSuccessor?.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
                    {
                        NoteThrow(block);
                    }

                    Propagate(block.FallThroughSuccessor, output, inputs, worklist);
                }

                PropagateToHandlers(block, input.Join(output), inputs, worklist);
            }
        }

        /// <summary>
        /// The bool locals and parameters that branches test in more than one block, at most <see cref="MaxSplitBools"/>:
        /// <c>flags = pack ? … | __GFP_PACKED : …;</c> then <c>if (!pack) dma_map_single(…)</c> is safe only if the
        /// second test knows what the first chose. The analysis keeps the states where such a bool is known true, known
        /// false, or not known apart (a partition each), so that the second test takes only the edge its partition
        /// allows. Each one triples the states a block may be analysed in, hence the bound; a bool tested once needs
        /// no partition (narrowing on its edges is enough).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private static ISymbol[] BoolsTestedTwice(ImmutableArray<BasicBlock> blocks)
        {
            List<ISymbol>? seen = null;
            List<ISymbol>? twice = null;
            foreach (var block in blocks)
            {
                if (block.ConditionKind == ControlFlowConditionKind.None || !(TestedBool(block.BranchValue) is { } tested))
                {
                    continue;
                }

                seen ??= new List<ISymbol>();
                if (!seen.Contains(tested, SymbolEqualityComparer.Default))
                {
                    seen.Add(tested);
                }
                else if ((twice ??= new List<ISymbol>()).Count < MaxSplitBools && !twice.Contains(tested, SymbolEqualityComparer.Default))
                {
                    twice.Add(tested);
                }
            }

            return twice?.ToArray() ?? System.Array.Empty<ISymbol>();
        }

        /// <summary>
        /// Graphs larger than this keep no bools apart: a generated method of a thousand lines with bools tested
        /// everywhere took three times the steps with them (the correlation this serves is a flag and its test a few
        /// lines apart, in ordinary methods).
        /// </summary>
        public const int MaxBlocksToSplit = 256;

        /// <summary>The most bools one analysis keeps apart (see <see cref="BoolsTestedTwice"/>): at most 3² partitions per block.</summary>
        public const int MaxSplitBools = 2;

        /// <summary>The bool local or parameter a branch value tests, through <c>!</c>; null for any other condition.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static ISymbol? TestedBool(IOperation? condition)
        {
            return WithoutNot(condition) switch
            {
                ILocalReferenceOperation { Local: { Type.SpecialType: SpecialType.System_Boolean, RefKind: RefKind.None } local } => local,
                IParameterReferenceOperation { Parameter: { Type.SpecialType: SpecialType.System_Boolean, RefKind: RefKind.None } parameter } => parameter,
                _ => null,
            };
        }

        /// <summary>The operand under any built-in <c>!</c>s.</summary>
        private static IOperation? WithoutNot(IOperation? condition)
        {
            bool ignored = true;
            return WithoutNot(condition, ref ignored);
        }

        /// <summary>The operand under any built-in <c>!</c>s, each of which flips <paramref name="valueIsTrue"/>.</summary>
        private static IOperation? WithoutNot(IOperation? condition, ref bool valueIsTrue)
        {
            while (condition is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not, OperatorMethod: null } not)
            {
                condition = not.Operand;
                valueIsTrue = !valueIsTrue;
            }

            return condition;
        }

        /// <summary>Which partition a state belongs to: for each split bool, whether the state knows it true, false, or neither.</summary>
        [MethodImpl(HotPath.Optimized)]
        private int PartitionOf(FlowState state)
        {
            int partition = 0;
            int weight = 1;
            foreach (var variable in _splitOn)
            {
                if (state.TryGetVariable(variable) is { } value && value.Consts.TryGetSingle(out long known))
                {
                    partition += weight * (known != 0 ? 1 : 2);
                }

                weight *= 3;
            }

            return partition;
        }

        /// <summary>The state on the edge taken when the branch value is <paramref name="valueIsTrue"/>; null when that edge cannot be taken.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static FlowState? Edge(FlowState state, AbstractValue condition, bool valueIsTrue)
        {
            if (condition.Consts.TryGetSingle(out long known) && (known != 0) != valueIsTrue)
            {
                return null;
            }

            bool safeHere = condition.Guard == GuardPolarity.SafeEither
                || (condition.Guard == GuardPolarity.SafeWhenTrue && valueIsTrue)
                || (condition.Guard == GuardPolarity.SafeWhenFalse && !valueIsTrue);
            // The check answered for its device: mappings for that device are guarded from here, with those a check
            // before it guarded.
            return safeHere ? state.WithGuard(GuardScope.Both(state.Guard, GuardScope.For(condition.GuardSubject))) : state;
        }

        /// <summary>
        /// On the edge where <c>x == C</c> (or <c>x is C</c>) held, x is C; where it did not, x is not C. This is what
        /// makes <c>dir == DMA_TO_DEVICE ? dma_map_single(…, dir) : swiotlb_map(…)</c> and a <c>switch (dir)</c> judge
        /// each arm by the direction it maps with. x is a local or parameter, or a flow capture of one (a switch
        /// compares a capture of its governing value).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private FlowState? Narrow(FlowState? state, IOperation condition, bool valueIsTrue)
        {
            if (state == null)
            {
                return null;
            }

            if (TestedBool(condition) != null)
            {
                return NarrowBool(state, condition, valueIsTrue);
            }

            IOperation? tested;
            object? constant;
            bool equalWhenTrue;
            switch (condition)
            {
                case IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals } binary:
                    equalWhenTrue = binary.OperatorKind == BinaryOperatorKind.Equals;
                    if (binary.RightOperand.ConstantValue.HasValue)
                    {
                        tested = binary.LeftOperand;
                        constant = binary.RightOperand.ConstantValue.Value;
                    }
                    else if (binary.LeftOperand.ConstantValue.HasValue)
                    {
                        tested = binary.RightOperand;
                        constant = binary.LeftOperand.ConstantValue.Value;
                    }
                    else
                    {
                        return state;
                    }

                    break;
                case IIsPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue.HasValue: true } pattern } isPattern:
                    tested = isPattern.Value;
                    constant = pattern.Value.ConstantValue.Value;
                    equalWhenTrue = true;
                    break;
                case IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation { Value.ConstantValue.HasValue: true } negated } } isNotPattern:
                    tested = isNotPattern.Value;
                    constant = negated.Value.ConstantValue.Value;
                    equalWhenTrue = false;
                    break;
                default:
                    return state;
            }

            while (tested is IConversionOperation { OperatorMethod: null } conversion)
            {
                tested = conversion.Operand;
            }

            if (constant == null || !TypeFacts.IsIntegralLike(tested.Type) || tested.Type?.SpecialType == SpecialType.System_Boolean)
            {
                return state;
            }

            long value = constant is char c ? c : unchecked((long)Model.KernelSymbols.ToUInt64(constant));
            bool equal = equalWhenTrue == valueIsTrue;
            foreach (var key in NarrowedKeys(tested, state))
            {
                var current = state.TryGetVariable(key);
                if (current == null)
                {
                    continue;
                }

                var consts = current.Consts;
                ConstSet narrowed;
                if (equal)
                {
                    narrowed = ConstSet.Of(value);
                }
                else if (!consts.HasUnknown && !consts.HasParameter && consts.Contains(value) && consts.Values.Count > 1)
                {
                    narrowed = ConstSet.Bottom;
                    foreach (var other in consts.Values)
                    {
                        if (other != value) narrowed = narrowed.Join(ConstSet.Of(other));
                    }
                }
                else
                {
                    continue;
                }

                state = state.WithVariable(key, current.WithConsts(narrowed));
            }

            return state;
        }

        /// <summary>On the edge where a bool local or parameter (or its negation) held <paramref name="valueIsTrue"/>, it is that value.</summary>
        [MethodImpl(HotPath.Optimized)]
        private FlowState NarrowBool(FlowState state, IOperation condition, bool valueIsTrue)
        {
            foreach (var key in NarrowedKeys(WithoutNot(condition, ref valueIsTrue)!, state))
            {
                if (state.TryGetVariable(key) is { } current)
                {
                    state = state.WithVariable(key, current.WithConsts(ConstSet.Of(valueIsTrue ? 1 : 0)));
                }
            }

            return state;
        }

        /// <summary>The variables a tested operand stands for: the local or parameter, and for a flow capture also the
        /// local or parameter it captured, while that still holds the same value.</summary>
        [MethodImpl(HotPath.Optimized)]
        private System.Collections.Generic.IEnumerable<object> NarrowedKeys(IOperation tested, FlowState state)
        {
            switch (tested)
            {
                case ILocalReferenceOperation local:
                    yield return local.Local;
                    break;
                case IParameterReferenceOperation parameter:
                    yield return parameter.Parameter;
                    break;
                case IFlowCaptureReferenceOperation capture:
                    yield return capture.Id;
                    if (_captureSources.TryGetValue(capture.Id, out var source)
                        && state.TryGetVariable(source) is { } sourceValue && state.TryGetVariable(capture.Id) is { } captureValue
                        && sourceValue.Equals(captureValue))
                    {
                        yield return source;
                    }

                    break;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private void Propagate(ControlFlowBranch? branch, FlowState? state, FlowState?[] inputs, BlockWorklist worklist)
        {
            var destination = branch?.Destination;
            if (destination != null && state != null)
            {
                JoinInto(destination.Ordinal, state, inputs, worklist);
            }
        }

        /// <summary>Joins a state into a block's input for the state's partition, and queues it when that input grew.</summary>
        [MethodImpl(HotPath.Optimized)]
        private void JoinInto(int ordinal, FlowState state, FlowState?[] inputs, BlockWorklist worklist)
        {
            int slot = _partitions == 1 ? ordinal : ordinal * _partitions + PartitionOf(state);
            var existing = inputs[slot];
            var joined = existing == null ? state : existing.Join(state);
            if (existing == null || (!ReferenceEquals(joined, existing) && !joined.IsSameAs(existing)))
            {
                inputs[slot] = joined;
                worklist.Add(slot);
            }
        }

        /// <summary>
        /// Catch and finally blocks have no ordinary predecessors in Roslyn's graph: they are entered from anywhere in
        /// the try region, so they receive the join of every state seen there.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void PropagateToHandlers(BasicBlock block, FlowState state, FlowState?[] inputs, BlockWorklist worklist)
        {
            // A lambda's or local function's regions hang below the enclosing method's: stop at this graph's root.
            for (var region = block.EnclosingRegion; region != null && region != _graph.Root; region = region.EnclosingRegion)
            {
                if (region.Kind != ControlFlowRegionKind.Try || region.EnclosingRegion == null)
                {
                    continue;
                }

                foreach (var handler in region.EnclosingRegion.NestedRegions)
                {
                    if (handler != region && handler.Kind != ControlFlowRegionKind.Try)
                    {
                        JoinInto(handler.FirstBlockOrdinal, state, inputs, worklist);
                    }
                }
            }
        }

        [MethodImpl(HotPath.Optimized)]
        private void Step()
        {
            _run.CountStep();
            Steps++;
            if (Steps > _flow.Options.MaxSteps)
            {
                throw new BudgetExceededException(Steps);
            }
        }
    }
}
