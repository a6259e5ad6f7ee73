using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// What an integer or enum value (a size, GFP flags, a DMA direction) may be: a few known constants, plus
    /// "unknown" (anything) and "parameter" (unknown here because it comes from a parameter of the method the
    /// analysis started at; that method's callers decide, each in its own context).
    /// <para>
    /// The constants are a sorted array of at most <see cref="MaxValues"/>, walked with loops of this type's own.
    /// An <c>ImmutableSortedSet&lt;long&gt;</c> did the same with generic code instantiated over <c>long</c>, which
    /// the runtime compiles for this analyzer alone; in a build's short-lived compiler that code stayed in its
    /// slow first tier and showed in the flow's CPU profile.
    /// </para>
    /// </summary>
    internal readonly struct ConstSet : IEquatable<ConstSet>
    {
        /// <summary>More distinct constants than this widen to unknown, so loops reach a fixed point.</summary>
        public const int MaxValues = 8;

        private readonly long[]? _values;

        private ConstSet(long[]? values, bool hasUnknown, bool hasParameter)
        {
            _values = values != null && values.Length > 0 ? values : null;
            HasUnknown = hasUnknown;
            HasParameter = hasParameter;
        }

        /// <summary>The known constants, ascending (the array itself, read-only: nothing writes it once made).</summary>
        public IReadOnlyList<long> Values => _values ?? Array.Empty<long>();

        public bool HasUnknown { get; }
        public bool HasParameter { get; }
        public bool IsBottom => _values == null && !HasUnknown && !HasParameter;

        private int Count => _values?.Length ?? 0;

        public static ConstSet Bottom => default;
        public static ConstSet Unknown => new ConstSet(null, hasUnknown: true, hasParameter: false);
        public static ConstSet Parameter => new ConstSet(null, hasUnknown: false, hasParameter: true);
        public static ConstSet Of(long value) => new ConstSet(new[] { value }, false, false);

        /// <summary>Whether the set is exactly one known value (no unknown, nothing left to a caller), and which.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool TryGetSingle(out long value)
        {
            var values = _values;
            if (!HasUnknown && !HasParameter && values != null && values.Length == 1)
            {
                value = values[0];
                return true;
            }

            value = 0;
            return false;
        }

        /// <summary>Whether <paramref name="value"/> is one of the known constants.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool Contains(long value)
        {
            var values = _values;
            if (values == null) return false;
            foreach (long known in values)
            {
                if (known == value) return true;
                if (known > value) return false;
            }

            return false;
        }

        /// <summary>Whether joining <paramref name="other"/> would add nothing: asked without building the join.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool Covers(ConstSet other)
        {
            if (other.IsBottom || ReferenceEquals(_values, other._values) && HasUnknown == other.HasUnknown && HasParameter == other.HasParameter) return true;
            if ((other.HasUnknown && !HasUnknown) || (other.HasParameter && !HasParameter)) return false;
            if (HasUnknown || other._values == null) return true;
            var mine = _values;
            if (mine == null) return false;

            // Both ascending: one walk.
            int i = 0;
            foreach (long value in other._values)
            {
                while (i < mine.Length && mine[i] < value) i++;
                if (i == mine.Length || mine[i] != value) return false;
            }

            return true;
        }

        [MethodImpl(HotPath.Optimized)]
        public ConstSet Join(ConstSet other)
        {
            if (other.IsBottom || Covers(other)) return this;
            if (IsBottom) return other;
            bool unknown = HasUnknown || other.HasUnknown;
            long[]? values = null;
            if (!unknown)
            {
                values = Union(_values, other._values);
                unknown = values == null;
            }

            return new ConstSet(unknown ? null : values, unknown, HasParameter || other.HasParameter);
        }

        /// <summary>The ascending union of two ascending arrays; null when it has more than <see cref="MaxValues"/>.</summary>
        [MethodImpl(HotPath.Optimized)]
        private static long[]? Union(long[]? left, long[]? right)
        {
            if (left == null) return right;
            if (right == null) return left;
            var merged = new long[left.Length + right.Length];
            int i = 0, j = 0, count = 0;
            while (i < left.Length || j < right.Length)
            {
                long next;
                if (j == right.Length || (i < left.Length && left[i] < right[j])) next = left[i++];
                else if (i == left.Length || right[j] < left[i]) next = right[j++];
                else
                {
                    next = left[i++];
                    j++;
                }

                merged[count++] = next;
            }

            if (count > MaxValues) return null;
            if (count < merged.Length) Array.Resize(ref merged, count);
            return merged;
        }

        /// <summary>Applies a binary operation to every pair of known values; unknowns stay unknown.</summary>
        [MethodImpl(HotPath.Optimized)]
        public ConstSet Combine(ConstSet other, Func<long, long, long?> operation)
        {
            if (IsBottom || other.IsBottom) return Bottom;
            bool unknown = HasUnknown || other.HasUnknown;
            long[]? results = null;
            int count = 0;
            if (_values != null && other._values != null)
            {
                results = new long[_values.Length * other._values.Length];
                foreach (var left in _values)
                {
                    foreach (var right in other._values)
                    {
                        var result = operation(left, right);
                        if (result.HasValue) results[count++] = result.Value;
                        else unknown = true;
                    }
                }
            }

            long[]? values = null;
            if (count > 0)
            {
                Array.Sort(results!, 0, count);
                int distinct = 1;
                for (int k = 1; k < count; k++)
                {
                    if (results![k] != results[distinct - 1]) results[distinct++] = results[k];
                }

                unknown |= distinct > MaxValues;
                if (!unknown)
                {
                    values = new long[distinct];
                    Array.Copy(results!, values, distinct);
                }
            }

            return new ConstSet(unknown ? null : values, unknown, HasParameter || other.HasParameter);
        }

        public ConstSet Map(Func<long, long?> operation) => Combine(Of(0), (value, _) => operation(value));

        [MethodImpl(HotPath.Optimized)]
        public bool Equals(ConstSet other)
        {
            if (HasUnknown != other.HasUnknown || HasParameter != other.HasParameter) return false;
            if (ReferenceEquals(_values, other._values)) return true;
            if (Count != other.Count) return false;
            for (int i = 0; i < Count; i++)
            {
                if (_values![i] != other._values![i]) return false;
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is ConstSet other && Equals(other);

        [MethodImpl(HotPath.Optimized)]
        public override int GetHashCode()
        {
            int hash = (HasUnknown ? 1 : 0) | (HasParameter ? 2 : 0);
            if (_values != null)
            {
                foreach (var value in _values) hash = (hash * 31) ^ value.GetHashCode();
            }

            return hash;
        }

        public override string ToString() =>
            "{" + string.Join(",", Values) + (HasUnknown ? ",?" : "") + (HasParameter ? ",param" : "") + "}";
    }
}
