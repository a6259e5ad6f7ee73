using System;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// What an integer or enum value (a size, GFP flags, a DMA direction) may be: a few known constants, plus
    /// "unknown" (anything) and "parameter" (unknown here because it comes from a parameter of the method the
    /// analysis started at; that method's callers decide, each in its own context).
    /// </summary>
    internal readonly struct ConstSet : IEquatable<ConstSet>
    {
        /// <summary>More distinct constants than this widen to unknown, so loops reach a fixed point.</summary>
        public const int MaxValues = 8;

        private ConstSet(ImmutableSortedSet<long>? values, bool hasUnknown, bool hasParameter)
        {
            ValuesOrNull = values;
            HasUnknown = hasUnknown;
            HasParameter = hasParameter;
        }

        private ImmutableSortedSet<long>? ValuesOrNull { get; }

        public ImmutableSortedSet<long> Values => ValuesOrNull ?? ImmutableSortedSet<long>.Empty;
        public bool HasUnknown { get; }
        public bool HasParameter { get; }
        public bool IsBottom => Values.Count == 0 && !HasUnknown && !HasParameter;

        public static ConstSet Bottom => default;
        public static ConstSet Unknown => new ConstSet(null, hasUnknown: true, hasParameter: false);
        public static ConstSet Parameter => new ConstSet(null, hasUnknown: false, hasParameter: true);
        public static ConstSet Of(long value) => new ConstSet(ImmutableSortedSet.Create(value), false, false);

        /// <summary>Whether the set is exactly one known value (no unknown, nothing left to a caller), and which.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool TryGetSingle(out long value)
        {
            var values = ValuesOrNull;
            if (!HasUnknown && !HasParameter && values != null && values.Count == 1)
            {
                value = values[0];
                return true;
            }

            value = 0;
            return false;
        }

        /// <summary>Whether joining <paramref name="other"/> would add nothing: asked without building the join.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool Covers(ConstSet other)
        {
            if (other.IsBottom || ReferenceEquals(ValuesOrNull, other.ValuesOrNull) && HasUnknown == other.HasUnknown && HasParameter == other.HasParameter) return true;
            if ((other.HasUnknown && !HasUnknown) || (other.HasParameter && !HasParameter)) return false;
            if (HasUnknown) return true;
            var values = Values;
            foreach (var value in other.Values)
            {
                if (!values.Contains(value)) return false;
            }

            return true;
        }

        [MethodImpl(HotPath.Optimized)]
        public ConstSet Join(ConstSet other)
        {
            if (other.IsBottom || Covers(other)) return this;
            if (IsBottom) return other;
            var values = Values.Union(other.Values);
            bool unknown = HasUnknown || other.HasUnknown || values.Count > MaxValues;
            return new ConstSet(unknown ? null : values, unknown, HasParameter || other.HasParameter);
        }

        /// <summary>Applies a binary operation to every pair of known values; unknowns stay unknown.</summary>
        [MethodImpl(HotPath.Optimized)]
        public ConstSet Combine(ConstSet other, Func<long, long, long?> operation)
        {
            if (IsBottom || other.IsBottom) return Bottom;
            var builder = ImmutableSortedSet.CreateBuilder<long>();
            bool unknown = HasUnknown || other.HasUnknown;
            foreach (var left in Values)
            {
                foreach (var right in other.Values)
                {
                    var result = operation(left, right);
                    if (result.HasValue) builder.Add(result.Value);
                    else unknown = true;
                }
            }

            unknown |= builder.Count > MaxValues;
            return new ConstSet(unknown ? null : builder.ToImmutable(), unknown, HasParameter || other.HasParameter);
        }

        public ConstSet Map(Func<long, long?> operation) => Combine(Of(0), (value, _) => operation(value));

        [MethodImpl(HotPath.Optimized)]
        public bool Equals(ConstSet other)
        {
            if (HasUnknown != other.HasUnknown || HasParameter != other.HasParameter) return false;
            if (ReferenceEquals(ValuesOrNull, other.ValuesOrNull)) return true;
            var values = Values;
            var others = other.Values;
            if (values.Count != others.Count) return false;

            // By index, not SequenceEqual: that boxes the sets' enumerators, and this is asked at every join.
            for (int i = 0; i < values.Count; i++)
            {
                if (values[i] != others[i]) return false;
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is ConstSet other && Equals(other);

        [MethodImpl(HotPath.Optimized)]
        public override int GetHashCode()
        {
            int hash = (HasUnknown ? 1 : 0) | (HasParameter ? 2 : 0);
            foreach (var value in Values) hash = (hash * 31) ^ value.GetHashCode();
            return hash;
        }

        [MethodImpl(HotPath.Optimized)]
        public override string ToString() =>
            "{" + string.Join(",", Values) + (HasUnknown ? ",?" : "") + (HasParameter ? ",param" : "") + "}";
    }
}
