using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The mapping-handle domain, continued: a mapping's lifetime (PA0007). A single mapping is live (<see
    /// cref="FlowState.Live"/>) from the call that made it until it is unmapped, stored, returned or handed on; on the
    /// branch where a check said it failed there is nothing to unmap. What is live where the method returns or throws
    /// out leaks. An unmap or sync is held against the size and direction the mapping was made with.
    /// </summary>
    internal sealed partial class MethodFlow
    {
        // Where a throw leaves the method (not inside a try): the states there, joined.
        private FlowState? _throwState;
        private Location? _throwSite;

        /// <summary>The handles leave this method's hands: an unmap, a store, a call that takes them (whatever it does with them).</summary>
        [MethodImpl(HotPath.Optimized)]
        private void HandOn(AbstractValue value)
        {
            if (_state.Live.IsEmpty || value.Handles.IsEmpty)
            {
                return;
            }

            var live = _state.Live;
            foreach (var handle in value.Handles)
            {
                live = live.Remove(handle);
            }

            _state = _state.WithLive(live);
        }

        /// <summary>Every argument's handles are handed on: to a method of the compilation, a library, a constructor.</summary>
        [MethodImpl(HotPath.Optimized)]
        private void HandOnArguments(ImmutableArray<AbstractValue> arguments)
        {
            if (_state.Live.IsEmpty)
            {
                return;
            }

            foreach (var argument in arguments)
            {
                HandOn(argument);
            }
        }

        /// <summary>
        /// dma_unmap_single and the dma_sync_single_* calls: the unmap ends the mapping; both are held against the
        /// size and direction the mapping was made with (as dma-debug's check_unmap and check_sync do at run time).
        /// Only a mismatch every mapping the address may be shows is reported, and only between known constants.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private void MatchMapping(IInvocationOperation invocation, ImmutableArray<AbstractValue> unordered)
        {
            var method = invocation.TargetMethod;
            bool unmap = method.Name is "dma_unmap_single" or "dma_unmap_single_attrs";
            bool sync = method.Name is "dma_sync_single_for_cpu" or "dma_sync_single_for_device";
            if (!unmap && !sync)
            {
                return;
            }

            NeverMapped(invocation);
            var ordered = ByOrdinal(invocation.Arguments, unordered, method.Parameters.Length);
            var address = ValueOf(method, ordered, "addr");
            if (address == null || address.Handles.IsEmpty)
            {
                return;
            }

            if (unmap)
            {
                HandOn(address);
            }

            if (unmap || method.Name == "dma_sync_single_for_cpu")
            {
                GiveBackToCpu(address.Handles);
            }
            else
            {
                GiveToDevice(address.Handles);
            }

            long? size = SingleArgument(method, ordered, "size");
            long? direction = SingleArgument(method, ordered, "dir");
            if (DoesNotCompile(invocation))
            {
                return;
            }

            foreach (var defect in unmap ? new[] { LifetimeDefect.UnmapSize, LifetimeDefect.UnmapDirection } : new[] { LifetimeDefect.SyncSize, LifetimeDefect.SyncDirection })
            {
                Origin? first = null;
                bool all = true;
                foreach (var handle in address.Handles)
                {
                    if (!IsMappingHandle(handle)) continue;
                    bool mismatch = defect switch
                    {
                        LifetimeDefect.UnmapSize => handle.MappedSize != null && size != null && handle.MappedSize != size,
                        LifetimeDefect.SyncSize => handle.MappedSize != null && size != null && size > handle.MappedSize,
                        LifetimeDefect.UnmapDirection => handle.MappedDirection != null && direction != null && handle.MappedDirection != direction,
                        _ => handle.MappedDirection != null && direction != null && handle.MappedDirection != direction
                            && handle.MappedDirection != _flow.Kernel.DmaBidirectional,
                    };
                    all &= mismatch;
                    first ??= mismatch ? handle : null;
                }

                if (all && first != null)
                {
                    string what = unmap ? "is unmapped" : "is synced";
                    string detail = defect is LifetimeDefect.UnmapSize or LifetimeDefect.SyncSize
                        ? $"{what} with size {size} by '{method.Name}', but was mapped with size {first.MappedSize}"
                        : $"{what} with {_flow.Kernel.DirectionName(direction!.Value)} by '{method.Name}', but was mapped with {_flow.Kernel.DirectionName(first.MappedDirection!.Value)}";
                    AddHit(new BrokenLifetime(defect, invocation.Syntax.GetLocation(), first, detail));
                }
            }
        }

        /// <summary>kfree of a buffer that a mapping this method holds (live) still maps: PA0007, on the kfree.</summary>
        [MethodImpl(HotPath.Optimized)]
        private void FreeWhileMapped(IInvocationOperation invocation, ImmutableArray<AbstractValue> unordered)
        {
            if (_state.Live.IsEmpty || invocation.TargetMethod.Name != "kfree" || unordered.IsEmpty || DoesNotCompile(invocation))
            {
                return;
            }

            var buffers = BuffersOf(unordered[0]);
            foreach (var mapping in _state.Live)
            {
                if (mapping.Buffers.Intersect(buffers).Count > 0)
                {
                    AddHit(new BrokenLifetime(LifetimeDefect.FreedWhileMapped, invocation.Syntax.GetLocation(), mapping, "is still mapped when 'kfree' frees its buffer"));
                }
            }
        }

        /// <summary>
        /// An unmap or sync whose address is written so that no mapping can have made it: a default value, a
        /// <c>new DmaAddr(…)</c>, or DMA_MAPPING_ERROR (a failed mapping's answer). On the call.
        /// </summary>
        private void NeverMapped(IInvocationOperation invocation)
        {
            var argument = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Name == "addr")?.Value;
            while (argument is IConversionOperation conversion) argument = conversion.Operand;
            string? what = argument switch
            {
                IDefaultValueOperation => "a default value",
                IObjectCreationOperation => "an address made up by 'new'",
                IFieldReferenceOperation field when _flow.Kernel.MappingErrorField is { } error && SymbolEqualityComparer.Default.Equals(field.Field, error) => "DMA_MAPPING_ERROR",
                _ => null,
            };
            if (what == null || DoesNotCompile(invocation))
            {
                return;
            }

            var site = invocation.Syntax.GetLocation();
            AddHit(new BrokenLifetime(LifetimeDefect.NeverMapped, site, Origin.ForMapping(OriginKind.Mapping, site, invocation.TargetMethod.Name),
                $"'{invocation.TargetMethod.Name}' is given an address that no mapping returned ({what})"));
        }

        private static AbstractValue? ValueOf(IMethodSymbol method, ImmutableArray<AbstractValue> ordered, string name)
        {
            foreach (var parameter in method.Parameters)
            {
                if (parameter.Name == name && parameter.Ordinal < ordered.Length) return ordered[parameter.Ordinal];
            }

            return null;
        }

        /// <summary>On the branch where a check says the mapping failed, there is no mapping to unmap, and no buffer the device owns.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static FlowState? FailedMappingsGone(FlowState? state, AbstractValue condition, bool valueIsTrue)
        {
            if (state == null || (state.Live.IsEmpty && state.DeviceOwned.IsEmpty) || condition.Handles.IsEmpty)
            {
                return state;
            }

            // Nor does the device own its buffer (PA0006): the failed mapping gave it nothing.
            var live = state.Live;
            var owned = state.DeviceOwned;
            foreach (var handle in condition.Handles)
            {
                bool failedHere = (handle.Kind == OriginKind.FailedWhenTrue && valueIsTrue) || (handle.Kind == OriginKind.FailedWhenFalse && !valueIsTrue);
                if (!failedHere || handle.Subject == null) continue;
                live = live.Remove(handle.Subject);
                owned = owned.Remove(handle.Subject);
            }

            return state.WithFacts(state.Facts.With(live: live, deviceOwned: owned));
        }

        /// <summary>The negation of a bool about mappings: failed when it was not.</summary>
        private static ValueSet<Origin> Negated(ValueSet<Origin> handles)
        {
            var negated = ValueSet<Origin>.Empty;
            foreach (var handle in handles)
            {
                if (handle.Kind == OriginKind.AtomicQuery) negated = negated.Add(handle);
                else if (handle.Subject != null) negated = negated.Add(handle.Negated());
            }

            return negated;
        }

        /// <summary>A block that throws out of the method (no try around it): its state is a way out, where live mappings leak.</summary>
        [MethodImpl(HotPath.Optimized)]
        private void NoteThrow(BasicBlock block)
        {
            if (_state.Live.IsEmpty)
            {
                return;
            }

            for (var region = block.EnclosingRegion; region != null; region = region.EnclosingRegion)
            {
                if (region.Kind is ControlFlowRegionKind.Try or ControlFlowRegionKind.TryAndCatch or ControlFlowRegionKind.TryAndFinally)
                {
                    // Caught or finished here (a finally may unmap): not followed as a way out.
                    return;
                }
            }

            _throwState = _throwState == null ? _state : _throwState.Join(_state);
            _throwSite ??= block.BranchValue?.Syntax.Parent?.GetLocation() ?? block.BranchValue?.Syntax.GetLocation();
        }

        /// <summary>
        /// The mappings still live where the body returns (not returned, given back, or stored in what it returns)
        /// or throws out: each is a leak, reported on the call that made it.
        /// </summary>
        private void FindLeaks(ImmutableArray<AbstractValue> finalArguments)
        {
            string method = _body.Owner.Name;
            if (_exitState != null)
            {
                foreach (var handle in _exitState.Live)
                {
                    if (handle.Kind != OriginKind.Mapping || _return.Handles.Contains(handle) || GivenBack(finalArguments, handle)) continue;
                    AddHit(new BrokenLifetime(LifetimeDefect.LeakOnReturn, handle.Site, handle, $"is not unmapped on a path that returns from '{method}'"));
                }
            }

            if (_throwState != null)
            {
                foreach (var handle in _throwState.Live)
                {
                    if (handle.Kind != OriginKind.Mapping) continue;
                    string where = _throwSite == null ? "" : " at " + FlowDiagnostics.Describe(_throwSite);
                    AddHit(new BrokenLifetime(LifetimeDefect.LeakOnThrow, handle.Site, handle, $"is not unmapped on the path that throws out of '{method}'{where}"));
                }
            }
        }
    }
}
