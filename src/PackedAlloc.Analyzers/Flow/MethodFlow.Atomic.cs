using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The atomic-context domain (PA0004): which atomic sections may be open at a point (<see cref="FlowState.Atomic"/>:
    /// spin_lock…, preempt_disable, rcu_read_lock, local_irq_disable, each until its closing call), and which calls
    /// may sleep. A sleep inside a section is a finding at once; one made where the method itself was not atomic is
    /// told to its callers (<see cref="CallResult.Sleeps"/>), so a helper that allocates is judged by the section its
    /// caller holds, without a calling context per section. Sections a callee leaves open stay open in the caller;
    /// sections it closes without opening them (an unlock helper) close there.
    /// </summary>
    internal sealed partial class MethodFlow
    {
        private List<SleepInAtomic>? _sleeps;
        private HashSet<Location>? _sleepSites;
        private List<Origin>? _closes;

        private IReadOnlyList<SleepInAtomic> Sleeps => (IReadOnlyList<SleepInAtomic>?)_sleeps ?? System.Array.Empty<SleepInAtomic>();

        private IReadOnlyList<Origin> Closes => (IReadOnlyList<Origin>?)_closes ?? System.Array.Empty<Origin>();

        /// <summary>The Kernel API calls that open (true) or close (false) an atomic section, with the section they are of.</summary>
        private static readonly Dictionary<string, (bool Opens, string Section)> SectionCalls = new Dictionary<string, (bool, string)>
        {
            ["spin_lock"] = (true, "spin"),
            ["spin_lock_irqsave"] = (true, "spin"),
            ["spin_lock_bh"] = (true, "spin"),
            ["spin_unlock"] = (false, "spin"),
            ["spin_unlock_irqrestore"] = (false, "spin"),
            ["spin_unlock_bh"] = (false, "spin"),
            ["preempt_disable"] = (true, "preempt"),
            ["preempt_enable"] = (false, "preempt"),
            ["rcu_read_lock"] = (true, "rcu"),
            ["rcu_read_unlock"] = (false, "rcu"),
            ["local_irq_disable"] = (true, "irq"),
            ["local_irq_enable"] = (false, "irq"),
        };

        /// <summary>Kernel API calls that always may sleep.</summary>
        private static readonly HashSet<string> SleepingCalls = new HashSet<string> { "msleep", "might_sleep", "mutex_lock" };

        /// <summary>A Kernel API call: opens or closes a section, or may sleep (an allocation by its flags, or always).</summary>
        [MethodImpl(HotPath.Optimized)]
        private void AtomicTransfer(IInvocationOperation invocation, ImmutableArray<AbstractValue> unordered)
        {
            var method = invocation.TargetMethod;
            if (SectionCalls.TryGetValue(method.Name, out var call))
            {
                // The section an opening or closing call stands for is the same at every visit: made once per call.
                if (!_run.TryGetConstant(invocation, out var section))
                {
                    var locks = call.Section == "spin" ? LockOf(invocation) : ValueSet<ObjectId>.Empty;
                    section = call.Opens && DoesNotCompile(invocation)
                        ? AbstractValue.Bottom
                        : AbstractValue.Bottom.WithHandles(ValueSet<Origin>.Create(
                            Origin.ForAtomicRegion(call.Opens ? invocation.Syntax.GetLocation() : Location.None, method.Name, call.Section, locks)));
                    _run.KeepConstant(invocation, section);
                }

                foreach (var region in section.Handles)
                {
                    if (call.Opens) _state = _state.WithAtomic(_state.Atomic.Add(region));
                    else Close(region);
                }

                return;
            }

            FlagsChosenByQuery(method, invocation, unordered);
            string? why = SleepingCalls.Contains(method.Name) ? "it sleeps" : MaySleepByFlags(method, invocation, unordered);
            if (why != null && !DoesNotCompile(invocation))
            {
                Sleep(new SleepInAtomic(invocation.Syntax.GetLocation(), method.Name, why, section: null));
            }
        }

        /// <summary>
        /// Which lock a spin_lock/spin_unlock takes: the field or property it reads (a Spinlock is a handle the flow
        /// does not follow as an object, so the member names it: <c>_lock</c>, <c>ring.Lock</c>, in any method); none
        /// when it is another expression (then an unlock closes every spinlock section).
        /// </summary>
        private static ValueSet<ObjectId> LockOf(IInvocationOperation invocation)
        {
            var argument = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value;
            while (argument is IConversionOperation conversion) argument = conversion.Operand;
            ISymbol? member = argument switch
            {
                IFieldReferenceOperation field => field.Field,
                IPropertyReferenceOperation property => property.Property,
                _ => null,
            };
            return member == null ? ValueSet<ObjectId>.Empty : ObjectId.ForMember(member).Value.Objects;
        }

        /// <summary>For a call with a GfpFlags argument (kmalloc…, kmem_cache_alloc, dma_alloc_coherent): whether a value it may have allows direct reclaim.</summary>
        private string? MaySleepByFlags(IMethodSymbol method, IInvocationOperation invocation, ImmutableArray<AbstractValue> unordered)
        {
            ulong reclaim = _flow.Kernel.GfpDirectReclaim;
            if (reclaim == 0)
            {
                return null;
            }

            for (int i = 0; i < unordered.Length && i < invocation.Arguments.Length; i++)
            {
                if (TypeFacts.IsRuntimeType(invocation.Arguments[i].Parameter?.Type, "GfpFlags"))
                {
                    // Flags that cannot be traced are not assumed to sleep: a warning needs evidence.
                    foreach (var value in unordered[i].Consts.Values)
                    {
                        if ((unchecked((ulong)value) & reclaim) != 0) return "its flags allow direct reclaim";
                    }
                }
            }

            return null;
        }

        /// <summary>PA0005: an allocation whose flags an in_atomic() answer chose (a flags value computed on one way of a branch on it).</summary>
        private void FlagsChosenByQuery(IMethodSymbol method, IInvocationOperation invocation, ImmutableArray<AbstractValue> unordered)
        {
            for (int i = 0; i < unordered.Length && i < invocation.Arguments.Length; i++)
            {
                if (unordered[i].Handles.IsEmpty || !TypeFacts.IsRuntimeType(invocation.Arguments[i].Parameter?.Type, "GfpFlags")) continue;
                foreach (var handle in unordered[i].Handles)
                {
                    if (handle.Kind == OriginKind.AtomicQuery && !DoesNotCompile(invocation))
                    {
                        AddHit(new FlagsByInAtomic(handle, invocation.Syntax.GetLocation(), method.Name));
                    }
                }
            }
        }

        /// <summary>in_atomic(): a bool that names the call, so that a branch on it is known to decide what follows.</summary>
        private AbstractValue AtomicQuery(IInvocationOperation invocation)
        {
            if (!_run.TryGetConstant(invocation, out var query))
            {
                query = DoesNotCompile(invocation)
                    ? AbstractValue.UnknownConstant
                    : AbstractValue.UnknownConstant.WithHandles(ValueSet<Origin>.Create(Origin.ForAtomicQuery(invocation.Syntax.GetLocation())));
                _run.KeepConstant(invocation, query);
            }

            return query;
        }

        /// <summary>On each edge of a branch on an in_atomic() answer, the path is inside that way of it.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static FlowState? DecidedBy(FlowState? state, AbstractValue condition, bool valueIsTrue)
        {
            if (state == null || condition.Handles.IsEmpty)
            {
                return state;
            }

            var decided = state.Decided;
            foreach (var handle in condition.Handles)
            {
                if (handle.Kind == OriginKind.AtomicQuery) decided = decided.Add(handle.DecidedWhen(valueIsTrue));
            }

            return state.WithFacts(state.Facts.With(decided: decided));
        }

        /// <summary>A GFP flags constant written on one way of an in_atomic() branch: the query chose it.</summary>
        [MethodImpl(HotPath.Optimized)]
        private AbstractValue ChosenByQueries(IOperation operation, AbstractValue value)
        {
            if (!operation.ConstantValue.HasValue || !TypeFacts.IsRuntimeType(operation.Type, "GfpFlags"))
            {
                return value;
            }

            var handles = value.Handles;
            foreach (var fact in _state.Decided)
            {
                handles = handles.Add(fact.Subject!);
            }

            return value.WithHandles(handles);
        }

        /// <summary>A call that may sleep: inside an open section, a finding; otherwise the callers' to judge.</summary>
        private void Sleep(SleepInAtomic sleep)
        {
            foreach (var region in _state.Atomic)
            {
                AddHit(sleep.In(region));
                return;
            }

            RecordSleep(sleep);
        }

        /// <summary>Keeps a sleep for the callers to judge, once per call site.</summary>
        private void RecordSleep(SleepInAtomic sleep)
        {
            if ((_sleepSites ??= new HashSet<Location>()).Add(sleep.Sleep))
            {
                (_sleeps ??= new List<SleepInAtomic>()).Add(sleep);
            }
        }

        /// <summary>
        /// Closes the sections <paramref name="closing"/> names: of its kind, and for a spinlock the ones of the same
        /// lock (all spinlocks' when the lock is not known). One this method did not open is its caller's to close.
        /// </summary>
        private void Close(Origin closing)
        {
            if (_state.Atomic.IsEmpty)
            {
                (_closes ??= new List<Origin>()).Add(closing);
                return;
            }

            var atomic = _state.Atomic;
            bool closed = false;
            foreach (var region in _state.Atomic)
            {
                if (region.Section == closing.Section
                    && (closing.Locks.IsEmpty || region.Locks.IsEmpty || region.Locks.Intersect(closing.Locks).Count > 0))
                {
                    atomic = atomic.Remove(region);
                    closed = true;
                }
            }

            _state = _state.WithAtomic(atomic);
            if (!closed)
            {
                (_closes ??= new List<Origin>()).Add(closing);
            }
        }

        /// <summary>What a callee did to atomic sections, in the caller: its sleeps judged here, its open sections left open, its closes applied.</summary>
        [MethodImpl(HotPath.Optimized)]
        private void TakeCalleeAtomic(CallResult result, bool nested)
        {
            foreach (var sleep in result.Sleeps)
            {
                if (nested)
                {
                    // A lambda run in place started from this method's state: what it found is final.
                    RecordSleep(sleep);
                }
                else
                {
                    Sleep(sleep);
                }
            }

            foreach (var closing in result.Closes)
            {
                Close(closing);
            }

            if (result.ExitState is { } exit)
            {
                // A lambda run in place continues this method's sections; a callee's open ones are added to them.
                _state = _state.WithAtomic(nested ? exit.Atomic : _state.Atomic.Union(exit.Atomic));
            }
        }
    }
}
