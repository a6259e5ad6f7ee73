using System;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    internal enum OriginKind
    {
        /// <summary>A packed allocation: the buffer that must not reach DMA unbounced.</summary>
        PackedAllocation,
        /// <summary>A kmem_cache whose objects may share cache lines; kmem_cache_alloc from it is a packed allocation.</summary>
        UnalignedCache,
    }

    /// <summary>
    /// Where a value may come from. Identity is the allocation site alone, so that every path to one sink from
    /// one allocation is one diagnostic; the route (<see cref="Steps"/>) is what the first path found looked like.
    /// </summary>
    internal sealed class Origin : IEquatable<Origin>
    {
        /// <summary>Keeps routes short enough for an IDE tooltip and a SARIF log.</summary>
        public const int MaxSteps = 16;

        public Origin(OriginKind kind, Location site, string allocator, ImmutableArray<Location> flagSites)
            : this(kind, site, allocator, flagSites, ImmutableList<Location>.Empty)
        {
        }

        private Origin(OriginKind kind, Location site, string allocator, ImmutableArray<Location> flagSites, ImmutableList<Location> steps)
        {
            Kind = kind;
            Site = site;
            Allocator = allocator;
            FlagSites = flagSites;
            Steps = steps;
        }

        public OriginKind Kind { get; }

        /// <summary>The allocation call.</summary>
        public Location Site { get; }

        /// <summary>The allocating function's name, for the message: kmalloc, kzalloc, kmem_cache_alloc …</summary>
        public string Allocator { get; }

        /// <summary>Where the <c>__GFP_PACKED</c> that made this allocation packed was written (for the code fix).</summary>
        public ImmutableArray<Location> FlagSites { get; }

        /// <summary>The places the value passed through on the way from <see cref="Site"/>, in order.</summary>
        public ImmutableList<Location> Steps { get; }

        [MethodImpl(HotPath.Optimized)]
        public Origin WithStep(Location step)
        {
            if (Steps.Count >= MaxSteps || step == Site || (Steps.Count > 0 && Steps[Steps.Count - 1] == step))
            {
                return this;
            }

            return new Origin(Kind, Site, Allocator, FlagSites, Steps.Add(step));
        }

        [MethodImpl(HotPath.Optimized)]
        public bool Equals(Origin? other) => other != null && Kind == other.Kind && Site == other.Site;

        public override bool Equals(object? obj) => Equals(obj as Origin);

        [MethodImpl(HotPath.Optimized)]
        public override int GetHashCode() => (Site.GetHashCode() * 397) ^ (int)Kind;

        public override string ToString() => Allocator + "@" + Site.GetLineSpan();
    }
}
