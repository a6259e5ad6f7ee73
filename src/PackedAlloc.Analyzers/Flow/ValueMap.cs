using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// An immutable map from variables or heap members to abstract values, for <see cref="FlowState"/>: entries in
    /// arrays sorted by hash, so a lookup is a binary search and a join walks both maps without allocating unless the
    /// result differs. A state holds a few dozen entries at most, where copying an array on write is cheaper than
    /// the node allocations and pooled enumerators of <c>ImmutableDictionary</c>, which profiles showed as most of
    /// the join's time.
    /// </summary>
    internal sealed class ValueMap<TKey>
        where TKey : notnull
    {
        private readonly IEqualityComparer<TKey> _comparer;
        private readonly int[] _hashes;
        private readonly TKey[] _keys;
        private readonly AbstractValue[] _values;

        private ValueMap(IEqualityComparer<TKey> comparer, int[] hashes, TKey[] keys, AbstractValue[] values)
        {
            _comparer = comparer;
            _hashes = hashes;
            _keys = keys;
            _values = values;
        }

        public static ValueMap<TKey> Empty(IEqualityComparer<TKey> comparer) =>
            new ValueMap<TKey>(comparer, Array.Empty<int>(), Array.Empty<TKey>(), Array.Empty<AbstractValue>());

        public int Count => _keys.Length;

        public bool IsEmpty => _keys.Length == 0;

        [MethodImpl(HotPath.Optimized)]
        public bool TryGetValue(TKey key, out AbstractValue value)
        {
            int index = IndexOf(key, _comparer.GetHashCode(key));
            if (index >= 0)
            {
                value = _values[index];
                return true;
            }

            value = null!;
            return false;
        }

        public bool ContainsKey(TKey key) => IndexOf(key, _comparer.GetHashCode(key)) >= 0;

        /// <summary>This map with <paramref name="key"/> bound to <paramref name="value"/>; this instance when it already is.</summary>
        [MethodImpl(HotPath.Optimized)]
        public ValueMap<TKey> SetItem(TKey key, AbstractValue value)
        {
            int hash = _comparer.GetHashCode(key);
            int index = IndexOf(key, hash);
            if (index >= 0)
            {
                if (ReferenceEquals(_values[index], value))
                {
                    return this;
                }

                var values = ArrayCopy.Of(_values);
                values[index] = value;
                return new ValueMap<TKey>(_comparer, _hashes, _keys, values);
            }

            int at = InsertionPoint(hash);
            return new ValueMap<TKey>(_comparer, Insert(_hashes, at, hash), Insert(_keys, at, key), Insert(_values, at, value));
        }

        /// <summary>
        /// This map with every entry of <paramref name="other"/> set over it, in one walk of both (a lambda's state is
        /// its creator's captured state with the caller's set over it, at every call of it).
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public ValueMap<TKey> SetItems(ValueMap<TKey> other)
        {
            if (other.IsEmpty || ReferenceEquals(this, other)) return this;
            if (IsEmpty) return other;

            int count = _keys.Length;
            for (int j = 0; j < other._keys.Length; j++)
            {
                if (IndexOf(other._keys[j], other._hashes[j]) < 0) count++;
            }

            var hashes = new int[count];
            var keys = new TKey[count];
            var values = new AbstractValue[count];
            int mine = 0, theirs = 0, k = 0;
            while (mine < _keys.Length || theirs < other._keys.Length)
            {
                if (theirs >= other._keys.Length || (mine < _keys.Length && _hashes[mine] <= other._hashes[theirs]))
                {
                    int found = other.IndexOf(_keys[mine], _hashes[mine]);
                    hashes[k] = _hashes[mine];
                    keys[k] = _keys[mine];
                    values[k++] = found >= 0 ? other._values[found] : _values[mine];
                    mine++;
                }
                else
                {
                    if (IndexOf(other._keys[theirs], other._hashes[theirs]) < 0)
                    {
                        hashes[k] = other._hashes[theirs];
                        keys[k] = other._keys[theirs];
                        values[k++] = other._values[theirs];
                    }

                    theirs++;
                }
            }

            return new ValueMap<TKey>(_comparer, hashes, keys, values);
        }

        /// <summary>
        /// The least upper bound of two maps. An entry on one side only is kept when <paramref name="missingIsTop"/>
        /// says its absence means "nothing" (a local not assigned on that path) and dropped when absence means "whatever
        /// the summaries say" (the top for it). This instance when the join adds nothing, without allocating.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public ValueMap<TKey> Join(ValueMap<TKey> other, Func<TKey, bool> missingIsTop)
        {
            if (ReferenceEquals(this, other))
            {
                return this;
            }

            // A first pass decides whether anything changes; most joins at a loop's head near the fixed point do not.
            if (!JoinChanges(other, missingIsTop))
            {
                return this;
            }

            // Two walks in hash order: the first counts the entries, the second fills arrays of exactly that size.
            int count = Merge(other, missingIsTop, null, null, null);
            var hashes = new int[count];
            var keys = new TKey[count];
            var values = new AbstractValue[count];
            Merge(other, missingIsTop, hashes, keys, values);
            return new ValueMap<TKey>(_comparer, hashes, keys, values);
        }

        /// <summary>
        /// Walks both maps in hash order and writes the join's entries (when given arrays to write to); returns how
        /// many there are. An entry of the other map is taken when it comes first or is absent here.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private int Merge(ValueMap<TKey> other, Func<TKey, bool> missingIsTop, int[]? hashes, TKey[]? keys, AbstractValue[]? values)
        {
            int i = 0, j = 0, k = 0;
            while (i < _keys.Length || j < other._keys.Length)
            {
                if (j >= other._keys.Length || (i < _keys.Length && _hashes[i] <= other._hashes[j]))
                {
                    var key = _keys[i];
                    int found = other.IndexOf(key, _hashes[i]);
                    if (found >= 0 || !missingIsTop(key))
                    {
                        if (values != null)
                        {
                            hashes![k] = _hashes[i];
                            keys![k] = key;
                            values[k] = found >= 0 ? _values[i].Join(other._values[found]) : _values[i];
                        }

                        k++;
                    }

                    i++;
                }
                else
                {
                    var key = other._keys[j];
                    if (IndexOf(key, other._hashes[j]) < 0 && !missingIsTop(key))
                    {
                        if (values != null)
                        {
                            hashes![k] = other._hashes[j];
                            keys![k] = key;
                            values[k] = other._values[j];
                        }

                        k++;
                    }

                    j++;
                }
            }

            return k;
        }

        [MethodImpl(HotPath.Optimized)]
        private bool JoinChanges(ValueMap<TKey> other, Func<TKey, bool> missingIsTop)
        {
            for (int j = 0; j < other._keys.Length; j++)
            {
                int found = IndexOf(other._keys[j], other._hashes[j]);
                if (found < 0)
                {
                    if (!missingIsTop(other._keys[j])) return true;
                }
                else if (!_values[found].Covers(other._values[j]))
                {
                    return true;
                }
            }

            for (int i = 0; i < _keys.Length; i++)
            {
                if (missingIsTop(_keys[i]) && other.IndexOf(_keys[i], _hashes[i]) < 0) return true;
            }

            return false;
        }

        /// <summary>Same keys, equal values.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool SameAs(ValueMap<TKey> other)
        {
            if (ReferenceEquals(this, other)) return true;
            if (_keys.Length != other._keys.Length) return false;
            for (int i = 0; i < _keys.Length; i++)
            {
                int found = other.IndexOf(_keys[i], _hashes[i]);
                if (found < 0 || !_values[i].Equals(other._values[found])) return false;
            }

            return true;
        }

        public Enumerator GetEnumerator() => new Enumerator(this);

        [MethodImpl(HotPath.Optimized)]
        private int IndexOf(TKey key, int hash)
        {
            int low = 0, high = _hashes.Length - 1;
            while (low <= high)
            {
                int middle = (low + high) >> 1;
                int candidate = _hashes[middle];
                if (candidate < hash)
                {
                    low = middle + 1;
                }
                else if (candidate > hash)
                {
                    high = middle - 1;
                }
                else
                {
                    // Equal hashes sit together: look both ways from here.
                    for (int i = middle; i >= 0 && _hashes[i] == hash; i--)
                    {
                        if (_comparer.Equals(_keys[i], key)) return i;
                    }

                    for (int i = middle + 1; i < _hashes.Length && _hashes[i] == hash; i++)
                    {
                        if (_comparer.Equals(_keys[i], key)) return i;
                    }

                    return -1;
                }
            }

            return -1;
        }

        private int InsertionPoint(int hash)
        {
            int low = 0, high = _hashes.Length;
            while (low < high)
            {
                int middle = (low + high) >> 1;
                if (_hashes[middle] <= hash) low = middle + 1; else high = middle;
            }

            return low;
        }

        [MethodImpl(HotPath.Optimized)]
        private static T[] Insert<T>(T[] array, int at, T item)
        {
            var result = new T[array.Length + 1];
            Array.Copy(array, 0, result, 0, at);
            result[at] = item;
            Array.Copy(array, at, result, at + 1, array.Length - at);
            return result;
        }

        public struct Enumerator
        {
            private readonly ValueMap<TKey> _map;
            private int _index;

            public Enumerator(ValueMap<TKey> map)
            {
                _map = map;
                _index = -1;
            }

            public KeyValuePair<TKey, AbstractValue> Current => new KeyValuePair<TKey, AbstractValue>(_map._keys[_index], _map._values[_index]);

            public bool MoveNext() => ++_index < _map._keys.Length;
        }
    }
}
