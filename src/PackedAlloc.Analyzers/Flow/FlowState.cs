using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The analysis state at one program point: values of locals, parameters, flow captures and static fields
    /// (<see cref="Variables"/>), the fields and elements of abstract objects as this method last wrote them
    /// (<see cref="Heap"/>; reads it has not written fall back to the compilation-wide summaries), and for which
    /// devices every path to this point went through a check that no bounce is needed (<see cref="Guard"/>), and
    /// which mapping handles every path to it checked for a mapping error (<see cref="Checked"/>).
    /// </summary>
    internal sealed class FlowState
    {
        public static readonly IEqualityComparer<object> KeyComparer = new VariableKeyComparer();

        /// <summary>Locals compared as symbols and hashed as <see cref="KeyComparer"/> does (it is asked at every local read).</summary>
        public static readonly IEqualityComparer<ILocalSymbol> LocalComparer = new LocalSymbolComparer();

        public static readonly FlowState Empty = new FlowState(
            ValueMap<object>.Empty(KeyComparer),
            ValueMap<HeapKey>.Empty(EqualityComparer<HeapKey>.Default),
            guard: null,
            PathFacts.Empty);

        public FlowState(ValueMap<object> variables, ValueMap<HeapKey> heap, GuardScope? guard, PathFacts facts)
        {
            Variables = variables;
            Heap = heap;
            Guard = guard;
            Facts = facts;
        }

        /// <summary>Keys: <see cref="ISymbol"/> (locals, parameters, static fields) or <see cref="CaptureId"/>.</summary>
        public ValueMap<object> Variables { get; }
        public ValueMap<HeapKey> Heap { get; }

        /// <summary>The devices checked on every path here; null where a path made no check.</summary>
        public GuardScope? Guard { get; }

        public bool Guarded => Guard != null;

        /// <summary>The mapping-handle and atomic-context facts of the paths here (<see cref="PathFacts"/>).</summary>
        public PathFacts Facts { get; }

        /// <summary>
        /// The mapping handles that <c>dma_mapping_error</c> (or a comparison with <c>DMA_MAPPING_ERROR</c>, or of a
        /// dma_map_sg count with 0) was evaluated on, on every path here: a must-set, so a join keeps what both sides checked.
        /// </summary>
        public ValueSet<Origin> Checked => Facts.Checked;

        /// <summary>
        /// The mapping handles some path here stored into a field, property or element before any check: a may-set.
        /// What is still in it when the method returns was stored unchecked.
        /// </summary>
        public ValueSet<Origin> StoredUnchecked => Facts.StoredUnchecked;

        /// <summary>
        /// The mappings this method made (or was handed by a call that made them) that some path here has not yet
        /// unmapped, stored or handed on: a may-set. What is still in it where the method returns or throws leaks.
        /// </summary>
        public ValueSet<Origin> Live => Facts.Live;

        /// <summary>The atomic sections (<see cref="OriginKind.AtomicRegion"/>) some path here opened and has not closed: a may-set.</summary>
        public ValueSet<Origin> Atomic => Facts.Atomic;

        /// <summary>The in_atomic() branches the paths here are inside one way of (see <see cref="PathFacts.Decided"/>).</summary>
        public ValueSet<Origin> Decided => Facts.Decided;

        /// <summary>Mappings whose buffer the device owns on some path here (see <see cref="PathFacts.DeviceOwned"/>).</summary>
        public ValueSet<Origin> DeviceOwned => Facts.DeviceOwned;

        [MethodImpl(HotPath.Optimized)]
        public FlowState WithVariable(object key, AbstractValue value) =>
            Variables.TryGetValue(key, out var existing) && ReferenceEquals(existing, value) ? this : new FlowState(Variables.SetItem(key, value), Heap, Guard, Facts);
        public FlowState WithHeap(ValueMap<HeapKey> heap) => ReferenceEquals(heap, Heap) ? this : new FlowState(Variables, heap, Guard, Facts);
        public FlowState WithGuard(GuardScope? guard) => GuardScope.Same(guard, Guard) ? this : new FlowState(Variables, Heap, guard, Facts);
        public FlowState WithChecked(ValueSet<Origin> @checked) => WithFacts(Facts.With(@checked: @checked));
        public FlowState WithStoredUnchecked(ValueSet<Origin> stored) => WithFacts(Facts.With(storedUnchecked: stored));
        public FlowState WithLive(ValueSet<Origin> live) => WithFacts(Facts.With(live: live));
        public FlowState WithAtomic(ValueSet<Origin> atomic) => WithFacts(Facts.With(atomic: atomic));
        public FlowState WithFacts(PathFacts facts) => ReferenceEquals(facts, Facts) ? this : new FlowState(Variables, Heap, Guard, facts);

        [MethodImpl(HotPath.Optimized)]
        public AbstractValue? TryGetVariable(object key) => Variables.TryGetValue(key, out var value) ? value : null;

        /// <summary>
        /// Least upper bound; a device is guarded only where it was on every incoming path. A local missing on one side
        /// was not assigned there (nothing). A static field or heap member missing on one side was not written there
        /// by this method, so it holds whatever the compilation-wide summary says: that is the top for it, and the
        /// join drops the entry, so a read after <c>if (c) _rx = safe;</c> still sees what other methods stored.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public FlowState Join(FlowState other)
        {
            var variables = Variables.Join(other.Variables, SharedStorage);
            var heap = Heap.Join(other.Heap, AlwaysShared);
            var guard = GuardScope.Meet(Guard, other.Guard);
            var facts = Facts.Join(other.Facts);
            return ReferenceEquals(variables, Variables) && ReferenceEquals(heap, Heap) && GuardScope.Same(guard, Guard) && ReferenceEquals(facts, Facts)
                ? this
                : new FlowState(variables, heap, guard, facts);
        }

        /// <summary>Static fields and properties, which live in <see cref="Variables"/> but are written by other methods too.</summary>
        private static readonly System.Func<object, bool> SharedStorage = IsSharedStorage;

        [MethodImpl(HotPath.Optimized)]
        private static bool IsSharedStorage(object key) => key is ISymbol { Kind: SymbolKind.Field or SymbolKind.Property };

        /// <summary>Heap members: one this method has not written holds what the summaries say.</summary>
        private static readonly System.Func<HeapKey, bool> AlwaysShared = _ => true;

        [MethodImpl(HotPath.Optimized)]
        public bool IsSameAs(FlowState other) =>
            GuardScope.Same(Guard, other.Guard) && Facts.SameAs(other.Facts) && Variables.SameAs(other.Variables) && Heap.SameAs(other.Heap);

        private sealed class LocalSymbolComparer : IEqualityComparer<ILocalSymbol>
        {
            public bool Equals(ILocalSymbol? x, ILocalSymbol? y) => ReferenceEquals(x, y) || SymbolEqualityComparer.Default.Equals(x, y);

            public int GetHashCode(ILocalSymbol obj) => KeyComparer.GetHashCode(obj);
        }

        private sealed class VariableKeyComparer : IEqualityComparer<object>
        {
            [MethodImpl(HotPath.Optimized)]
            private static int NameHash(ISymbol symbol) => symbol.Name == null ? 0 : System.StringComparer.Ordinal.GetHashCode(symbol.Name);

            // The same symbol is nearly always the same object (Roslyn hands out one per symbol): that is checked
            // first, before the interface tests and Roslyn's own comparison, which are costly in a build's compiler
            // while its code is still being profiled for recompilation.
            [MethodImpl(HotPath.Optimized)]
            public new bool Equals(object? x, object? y) =>
                ReferenceEquals(x, y) || (x is ISymbol sx && y is ISymbol sy ? SymbolEqualityComparer.Default.Equals(sx, sy) : object.Equals(x, y));

            // A local's or parameter's own hash code is the runtime's identity hash, whose slow path showed in
            // profiles (it is asked at every variable update). Names tell a method's locals apart nearly always and
            // cost a string hash; a local's declaration position would too, but asking a local for its location
            // allocates one, which showed in the next profile. Equal names in one state only cost an Equals.
            // One interface test and the symbol's kind, rather than a test per interface.
            [MethodImpl(HotPath.Optimized)]
            public int GetHashCode(object obj)
            {
                if (obj is not ISymbol symbol) return obj.GetHashCode();
                switch (symbol.Kind)
                {
                    case SymbolKind.Local:
                        return NameHash(symbol);
                    case SymbolKind.Parameter:
                        return (NameHash(symbol) * 31) ^ ((IParameterSymbol)symbol).Ordinal;
                    default:
                        return SymbolEqualityComparer.Default.GetHashCode(symbol);
                }
            }
        }
    }
}
