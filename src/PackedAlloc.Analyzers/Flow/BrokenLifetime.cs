using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    internal enum LifetimeDefect
    {
        /// <summary>The method returns on a path where its mapping is still mapped (and not stored, returned or handed on).</summary>
        LeakOnReturn,
        /// <summary>The method throws (out of it) on a path where its mapping is still mapped.</summary>
        LeakOnThrow,
        /// <summary>An unmap with another size than the mapping's.</summary>
        UnmapSize,
        /// <summary>An unmap with another direction than the mapping's.</summary>
        UnmapDirection,
        /// <summary>A sync of more than the mapping's size.</summary>
        SyncSize,
        /// <summary>A sync with another direction than the mapping's (not DMA_BIDIRECTIONAL).</summary>
        SyncDirection,
        /// <summary>A kfree of a buffer a mapping the method still holds maps.</summary>
        FreedWhileMapped,
        /// <summary>An unmap or sync of an address no mapping returned (a default value, DMA_MAPPING_ERROR, an address made up).</summary>
        NeverMapped,
    }

    /// <summary>
    /// PA0007's finding: a mapping whose lifetime is broken. A leak sits on the mapping call (or the call of the
    /// helper that returned the mapping), a mismatch on the unmap or sync call.
    /// </summary>
    internal sealed class BrokenLifetime : Finding
    {
        public BrokenLifetime(LifetimeDefect defect, Location at, Origin mapping, string detail)
        {
            Defect = defect;
            At = at;
            Mapping = mapping;
            Detail = detail;
        }

        public LifetimeDefect Defect { get; }

        /// <summary>Where the diagnostic sits.</summary>
        public Location At { get; }

        /// <summary>The mapping (its call).</summary>
        public Origin Mapping { get; }

        /// <summary>What is wrong, in words: the place the leaking path leaves the method, or the two values that differ.</summary>
        public string Detail { get; }

        public override string RuleId => Descriptors.MappingLifetimeBrokenId;

        public override Location Location => At;

        /// <summary>One diagnostic per place, mapping and defect: a leak once per mapping call, each mismatch once per unmap or sync call.</summary>
        public override (string Rule, Location First, Location Second) Key =>
            (Defect is LifetimeDefect.LeakOnReturn or LifetimeDefect.LeakOnThrow ? RuleId : RuleId + "." + Defect, At, Mapping.Site);

        public override IEnumerable<Location> Places
        {
            get
            {
                yield return At;
                yield return Mapping.Site;
            }
        }
    }
}
