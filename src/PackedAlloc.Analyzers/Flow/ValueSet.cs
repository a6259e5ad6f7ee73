using System;
using System.Collections;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// An immutable set for the members of an <see cref="AbstractValue"/> (origins, objects, callables, flag sites):
    /// one array sorted by hash. These sets hold one to three elements nearly always and are unioned at nearly every
    /// step; <c>ImmutableHashSet</c> made a tree node and a bucket per element and a pooled enumerator per walk, and
    /// its nodes were the largest share of the flow's allocations. A union here allocates one array, and nothing
    /// when one side already covers the other.
    /// </summary>
    internal sealed class ValueSet<T> : IEnumerable<T>
        where T : class
    {
        public static readonly ValueSet<T> Empty = new ValueSet<T>(Array.Empty<T>());

        // Sorted by the elements' own GetHashCode; elements with equal hashes keep the order they were added in. The
        // elements' own virtual GetHashCode and Equals are called rather than EqualityComparer<T>.Default's: in this
        // shared generic code a static comparer is looked up through the runtime at every use, and its interface
        // calls land in framework code that a build's compiler runs in a slow, profiling tier.
        private readonly T[] _items;

        private ValueSet(T[] items)
        {
            _items = items;
        }

        public int Count => _items.Length;

        public bool IsEmpty => _items.Length == 0;

        /// <summary>The element at a position of the set's order (by hash): for a set known to hold one, that one.</summary>
        public T this[int index] => _items[index];

        public static ValueSet<T> Create(T item) => new ValueSet<T>(new[] { item });

        /// <summary>
        /// A set of the given elements, as adding them one by one would make it (the first of equal elements kept,
        /// equal hashes in the order given), in one sort instead of a copy per element: values read from many objects
        /// at once (every element of a large set of containers) made that quadratic.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public static ValueSet<T> CreateRange(IEnumerable<T> items)
        {
            // Read straight from a list when given one: no copy of the input.
            IReadOnlyList<T> all = items as IReadOnlyList<T> ?? new List<T>(items);
            if (all.Count <= 1)
            {
                return all.Count == 0 ? Empty : Create(all[0]);
            }

            var order = new (int Hash, int Index)[all.Count];
            for (int i = 0; i < order.Length; i++) order[i] = (all[i].GetHashCode(), i);
            Array.Sort(order, (a, b) => a.Hash != b.Hash ? a.Hash.CompareTo(b.Hash) : a.Index.CompareTo(b.Index));

            var result = new T[order.Length];
            int count = 0;
            int runStart = 0;
            for (int i = 0; i < order.Length; i++)
            {
                if (i > 0 && order[i].Hash != order[i - 1].Hash) runStart = count;
                var item = all[order[i].Index];
                bool seen = false;
                for (int j = runStart; j < count && !seen; j++) seen = Same(result[j], item);
                if (!seen) result[count++] = item;
            }

            if (count < result.Length)
            {
                Array.Resize(ref result, count);
            }

            return new ValueSet<T>(result);
        }

        [MethodImpl(HotPath.Optimized)]
        public bool Contains(T item) => IndexOf(item, item.GetHashCode()) >= 0;

        /// <summary>This set with <paramref name="item"/>; this instance when an equal element is already in it.</summary>
        [MethodImpl(HotPath.Optimized)]
        public ValueSet<T> Add(T item)
        {
            int hash = item.GetHashCode();
            if (IndexOf(item, hash) >= 0)
            {
                return this;
            }

            // After every element whose hash is not greater: equal hashes stay in the order they were added.
            int at = FirstWithHashAbove(hash, LowerBound(hash));

            var items = new T[_items.Length + 1];
            Array.Copy(_items, 0, items, 0, at);
            items[at] = item;
            Array.Copy(_items, at, items, at + 1, _items.Length - at);
            return new ValueSet<T>(items);
        }

        /// <summary>The set without <paramref name="item"/>; this instance when it does not hold it.</summary>
        [MethodImpl(HotPath.Optimized)]
        public ValueSet<T> Remove(T item)
        {
            int at = IndexOf(item, item.GetHashCode());
            if (at < 0) return this;
            if (_items.Length == 1) return Empty;
            var items = new T[_items.Length - 1];
            Array.Copy(_items, 0, items, 0, at);
            Array.Copy(_items, at + 1, items, at, _items.Length - at - 1);
            return new ValueSet<T>(items);
        }

        /// <summary>Whether every element of <paramref name="other"/> is in this set.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool IsSupersetOf(ValueSet<T> other)
        {
            if (ReferenceEquals(this, other) || other._items.Length == 0) return true;
            if (other._items.Length > _items.Length) return false;
            foreach (var item in other._items)
            {
                if (!Contains(item)) return false;
            }

            return true;
        }

        [MethodImpl(HotPath.Optimized)]
        public bool SetEquals(ValueSet<T> other) =>
            ReferenceEquals(this, other) || (other._items.Length == _items.Length && IsSupersetOf(other));

        /// <summary>
        /// The union, keeping this side's instance of equal elements (an origin found first keeps the route it was
        /// found with). This instance when <paramref name="other"/> adds nothing, <paramref name="other"/> when this is empty.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public ValueSet<T> Union(ValueSet<T> other)
        {
            if (IsSupersetOf(other)) return this;
            if (_items.Length == 0) return other;
            if (other._items.Length == 1) return Add(other._items[0]);

            var merged = new List<T>(_items.Length + other._items.Length);
            int left = 0, right = 0;
            while (left < _items.Length || right < other._items.Length)
            {
                if (right == other._items.Length
                    || (left < _items.Length && _items[left].GetHashCode() <= other._items[right].GetHashCode()))
                {
                    merged.Add(_items[left++]);
                    continue;
                }

                var candidate = other._items[right++];
                if (!Contains(candidate))
                {
                    merged.Add(candidate);
                }
            }

            return new ValueSet<T>(merged.ToArray());
        }

        /// <summary>The elements both sets hold (this side's instances); this instance when it is all of them.</summary>
        [MethodImpl(HotPath.Optimized)]
        public ValueSet<T> Intersect(ValueSet<T> other)
        {
            if (ReferenceEquals(this, other) || other.IsSupersetOf(this)) return this;

            // Kept in this set's order, which is already the sorted order: one array, not one copy per element.
            var common = new List<T>(_items.Length);
            foreach (var item in _items)
            {
                if (other.Contains(item)) common.Add(item);
            }

            return common.Count == 0 ? Empty : new ValueSet<T>(common.ToArray());
        }

        /// <summary>Each element replaced by <paramref name="map"/>'s result, which must equal it (same hash, same place).</summary>
        [MethodImpl(HotPath.Optimized)]
        public ValueSet<T> MapEqual<TArg>(Func<T, TArg, T> map, TArg argument)
        {
            T[]? items = null;
            for (int i = 0; i < _items.Length; i++)
            {
                var mapped = map(_items[i], argument);
                if (!ReferenceEquals(mapped, _items[i]))
                {
                    items ??= ArrayCopy.Of(_items);
                    items[i] = mapped;
                }
            }

            return items == null ? this : new ValueSet<T>(items);
        }

        [MethodImpl(HotPath.Optimized)]
        private int IndexOf(T item, int hash)
        {
            var items = _items;
            for (int i = LowerBound(hash); i < items.Length && items[i].GetHashCode() == hash; i++)
            {
                if (Same(items[i], item)) return i;
            }

            return -1;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static bool Same(T left, T right) => ReferenceEquals(left, right) || left.Equals(right);

        /// <summary>The first index whose element's hash is not below <paramref name="hash"/> (binary search).</summary>
        [MethodImpl(HotPath.Optimized)]
        private int LowerBound(int hash)
        {
            int low = 0, high = _items.Length;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                if (_items[middle].GetHashCode() < hash) low = middle + 1;
                else high = middle;
            }

            return low;
        }

        [MethodImpl(HotPath.Optimized)]
        private int FirstWithHashAbove(int hash, int from)
        {
            while (from < _items.Length && _items[from].GetHashCode() == hash)
            {
                from++;
            }

            return from;
        }

        public Enumerator GetEnumerator() => new Enumerator(_items);

        IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

        /// <summary>Walks the array without allocating (foreach over the set).</summary>
        public struct Enumerator
        {
            private readonly T[] _items;
            private int _index;

            internal Enumerator(T[] items)
            {
                _items = items;
                _index = -1;
            }

            public T Current => _items[_index];

            public bool MoveNext() => ++_index < _items.Length;
        }
    }
}
