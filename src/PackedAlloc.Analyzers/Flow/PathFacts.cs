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
        public static readonly PathFacts Empty = new PathFacts(ValueSet<Origin>.Empty, ValueSet<Origin>.Empty, ValueSet<Origin>.Empty, ValueSet<Origin>.Empty);

        private PathFacts(ValueSet<Origin> @checked, ValueSet<Origin> storedUnchecked, ValueSet<Origin> live, ValueSet<Origin> atomic)
        {
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

        public PathFacts With(ValueSet<Origin>? @checked = null, ValueSet<Origin>? storedUnchecked = null, ValueSet<Origin>? live = null, ValueSet<Origin>? atomic = null)
        {
            var c = @checked ?? Checked;
            var s = storedUnchecked ?? StoredUnchecked;
            var l = live ?? Live;
            var a = atomic ?? Atomic;
            if (ReferenceEquals(c, Checked) && ReferenceEquals(s, StoredUnchecked) && ReferenceEquals(l, Live) && ReferenceEquals(a, Atomic))
            {
                return this;
            }

            return c.IsEmpty && s.IsEmpty && l.IsEmpty && a.IsEmpty ? Empty : new PathFacts(c, s, l, a);
        }

        [MethodImpl(HotPath.Optimized)]
        public PathFacts Join(PathFacts other)
        {
            if (ReferenceEquals(this, other)) return this;
            return With(
                ReferenceEquals(Checked, other.Checked) ? Checked : Checked.Intersect(other.Checked),
                StoredUnchecked.Union(other.StoredUnchecked),
                Live.Union(other.Live),
                Atomic.Union(other.Atomic));
        }

        [MethodImpl(HotPath.Optimized)]
        public bool SameAs(PathFacts other) =>
            ReferenceEquals(this, other)
            || (Checked.SetEquals(other.Checked) && StoredUnchecked.SetEquals(other.StoredUnchecked) && Live.SetEquals(other.Live) && Atomic.SetEquals(other.Atomic));
    }
}
