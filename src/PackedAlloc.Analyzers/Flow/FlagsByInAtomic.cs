using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>PA0005's finding: GFP flags chosen by an <c>in_atomic()</c> call reach an allocation. On the <c>in_atomic()</c> call.</summary>
    internal sealed class FlagsByInAtomic : Finding
    {
        public FlagsByInAtomic(Origin query, Location allocation, string allocator)
        {
            Query = query;
            Allocation = allocation;
            Allocator = allocator;
        }

        /// <summary>The in_atomic() call.</summary>
        public Origin Query { get; }

        /// <summary>The allocation whose flags it chose (the first found).</summary>
        public Location Allocation { get; }

        public string Allocator { get; }

        public override string RuleId => Descriptors.FlagsChosenByInAtomicId;

        public override Location Location => Query.Site;

        /// <summary>One diagnostic per in_atomic() call.</summary>
        public override (string Rule, Location First, Location Second) Key => (RuleId, Query.Site, Query.Site);

        public override IEnumerable<Location> Places
        {
            get
            {
                yield return Query.Site;
                yield return Allocation;
            }
        }
    }
}
