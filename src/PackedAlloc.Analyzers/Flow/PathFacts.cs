using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// The per-path facts of the mapping-handle and atomic-context domains, kept together so that a state in code
    /// that makes no mapping and takes no lock (most code) carries the one shared <see cref="Empty"/> instance, and
    /// a join or comparison of two states costs one reference test for all of them.
    /// </summary>
    internal sealed class PathFacts
    {
        public static readonly PathFacts Empty = new PathFacts(ValueSet<Origin>.Empty, ValueSet<Origin>.Empty, ValueSet<Origin>.Empty, ValueSet<Origin>.Empty, ValueSet<Origin>.Empty, ValueSet<Origin>.Empty);

        private PathFacts(ValueSet<Origin> @checked, ValueSet<Origin> storedUnchecked, ValueSet<Origin> live, ValueSet<Origin> atomic, ValueSet<Origin> decided, ValueSet<Origin> deviceOwned)
        {
            DeviceOwned = deviceOwned;
            Decided = decided;
            Checked = @checked;
            StoredUnchecked = storedUnchecked;
            Live = live;
            Atomic = atomic;
        }

        /// <summary>Handles checked for a mapping error on every path (a must-set: joins intersect).</summary>
        public ValueSet<Origin> Checked { get; }

        /// <summary>Handles some path stored before a check (a may-set).</summary>
        public ValueSet<Origin> StoredUnchecked { get; }

        /// <summary>Mappings made and not yet unmapped, stored or handed on, on some path (a may-set).</summary>
        public ValueSet<Origin> Live { get; }

        /// <summary>Atomic sections open on some path (a may-set).</summary>
        public ValueSet<Origin> Atomic { get; }

        /// <summary>
        /// The in_atomic() branches the paths here went one way of (<see cref="OriginKind.DecidedWhenTrue"/>/<see
        /// cref="OriginKind.DecidedWhenFalse"/>): where the two ways meet again, the join holds both and drops them, so a
        /// query decides only what is computed between its branch and that meeting point.
        /// </summary>
        public ValueSet<Origin> Decided { get; }

        /// <summary>Mappings whose buffer the device owns on some path here (mapped for the device to write, or synced for it, and not synced back): a may-set.</summary>
        public ValueSet<Origin> DeviceOwned { get; }

        public PathFacts With(ValueSet<Origin>? @checked = null, ValueSet<Origin>? storedUnchecked = null, ValueSet<Origin>? live = null, ValueSet<Origin>? atomic = null,
            ValueSet<Origin>? decided = null, ValueSet<Origin>? deviceOwned = null)
        {
            var o = deviceOwned ?? DeviceOwned;
            var c = @checked ?? Checked;
            var s = storedUnchecked ?? StoredUnchecked;
            var l = live ?? Live;
            var a = atomic ?? Atomic;
            var d = decided ?? Decided;
            if (ReferenceEquals(c, Checked) && ReferenceEquals(s, StoredUnchecked) && ReferenceEquals(l, Live) && ReferenceEquals(a, Atomic) && ReferenceEquals(d, Decided) && ReferenceEquals(o, DeviceOwned))
            {
                return this;
            }

            return c.IsEmpty && s.IsEmpty && l.IsEmpty && a.IsEmpty && d.IsEmpty && o.IsEmpty ? Empty : new PathFacts(c, s, l, a, d, o);
        }

        /// <summary>The union of two Decided sets, without the queries both ways of which are in it (their branches have met).</summary>
        private static ValueSet<Origin> JoinDecided(ValueSet<Origin> left, ValueSet<Origin> right)
        {
            var union = left.Union(right);
            if (ReferenceEquals(union, left) && ReferenceEquals(left, right)) return union;
            ValueSet<Origin>? kept = null;
            foreach (var fact in union)
            {
                var opposite = fact.Subject!.DecidedWhen(fact.Kind != OriginKind.DecidedWhenTrue);
                if (union.Contains(opposite))
                {
                    kept ??= union;
                    kept = ValueSet<Origin>.CreateRange(System.Linq.Enumerable.Where(kept, f => !f.Equals(fact) && !f.Equals(opposite)));
                }
            }

            return kept ?? union;
        }

        [MethodImpl(HotPath.Optimized)]
        public PathFacts Join(PathFacts other)
        {
            if (ReferenceEquals(this, other)) return this;
            return With(
                ReferenceEquals(Checked, other.Checked) ? Checked : Checked.Intersect(other.Checked),
                StoredUnchecked.Union(other.StoredUnchecked),
                Live.Union(other.Live),
                Atomic.Union(other.Atomic),
                Decided.IsEmpty && other.Decided.IsEmpty ? Decided : JoinDecided(Decided, other.Decided),
                DeviceOwned.Union(other.DeviceOwned));
        }

        [MethodImpl(HotPath.Optimized)]
        public bool SameAs(PathFacts other) =>
            ReferenceEquals(this, other)
            || (Checked.SetEquals(other.Checked) && StoredUnchecked.SetEquals(other.StoredUnchecked) && Live.SetEquals(other.Live) && Atomic.SetEquals(other.Atomic) && Decided.SetEquals(other.Decided) && DeviceOwned.SetEquals(other.DeviceOwned));
    }
}
