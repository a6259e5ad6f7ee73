using System;
using System.Collections.Generic;
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
        /// <summary>A DMA address a mapping call returned (dma_map_single, swiotlb_map …): a mapping handle that may be DMA_MAPPING_ERROR.</summary>
        Mapping,
        /// <summary>The entry count dma_map_sg returned: a mapping handle that is 0 when the mapping failed.</summary>
        MappingCount,
        /// <summary>
        /// Whatever mapping handles a callee's parameter holds, named by the parameter's ordinal: a callee is analysed
        /// for "the mapping its caller passed", not once per mapping, and what it does to it is told back to each caller.
        /// </summary>
        ParameterHandle,
        /// <summary>A bool that is true when the mapping <see cref="Origin.Subject"/> failed (<c>dma_mapping_error</c>, <c>addr == DMA_MAPPING_ERROR</c>).</summary>
        FailedWhenTrue,
        /// <summary>A bool that is false when the mapping <see cref="Origin.Subject"/> failed (<c>addr != DMA_MAPPING_ERROR</c>, <c>!dma_mapping_error(…)</c>).</summary>
        FailedWhenFalse,
        /// <summary>An atomic section opened at <see cref="Origin.Site"/> (spin_lock, preempt_disable, rcu_read_lock, local_irq_disable) and not yet closed.</summary>
        AtomicRegion,
        /// <summary>The answer of an <c>in_atomic()</c> call at <see cref="Origin.Site"/> (a bool), and what was computed on a branch that depended on it.</summary>
        AtomicQuery,
        /// <summary>On a path that took the true (or, <see cref="DecidedWhenFalse"/>, false) edge of a branch on the <see cref="Origin.Subject"/> query.</summary>
        DecidedWhenTrue,
        DecidedWhenFalse,
        /// <summary>A kernel buffer, named by the allocation that made it or the parameter it came in by: what a mapping maps and the CPU touches.</summary>
        Buffer,
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
            : this(kind, site, allocator, flagSites, null)
        {
        }

        private static readonly Origin[] ParameterHandles = CreateParameterHandles(16);

        private static Origin[] CreateParameterHandles(int count)
        {
            var handles = new Origin[count];
            for (int i = 0; i < count; i++)
            {
                handles[i] = new Origin(OriginKind.ParameterHandle, Location.None, "", ImmutableArray<Location>.Empty, null, hash: (i + 1) * 7919) { Ordinal = i };
            }

            return handles;
        }

        /// <summary>The handle standing for whatever mapping the parameter of this ordinal holds (see <see cref="OriginKind.ParameterHandle"/>).</summary>
        public static Origin ForParameter(int ordinal) => ordinal < ParameterHandles.Length
            ? ParameterHandles[ordinal]
            : new Origin(OriginKind.ParameterHandle, Location.None, "", ImmutableArray<Location>.Empty, null, hash: (ordinal + 1) * 7919) { Ordinal = ordinal };

        /// <summary>For <see cref="OriginKind.ParameterHandle"/>: the parameter's ordinal; -1 otherwise.</summary>
        public int Ordinal { get; private set; } = -1;

        /// <summary>
        /// A mapping made at <paramref name="site"/> by <paramref name="mapper"/> (a Kernel API function, or the helper
        /// that returned one), with its size and direction where each is one known constant there.
        /// </summary>
        public static Origin ForMapping(OriginKind kind, Location site, string mapper, long? size = null, long? direction = null) =>
            new Origin(kind, site, mapper, ImmutableArray<Location>.Empty) { MappedSize = size, MappedDirection = direction };

        /// <summary>The same mapping made by a call that returned it (a helper's caller owns it from there).</summary>
        public Origin MadeBy(Location call, string mapper) =>
            new Origin(Kind, call, mapper, ImmutableArray<Location>.Empty) { MappedSize = MappedSize, MappedDirection = MappedDirection, Buffers = Buffers };

        /// <summary>The bool that says whether this mapping failed: <see cref="OriginKind.FailedWhenTrue"/> or <see cref="OriginKind.FailedWhenFalse"/>.</summary>
        public Origin FailedWhen(bool value) => value
            ? _failedWhenTrue ??= new Origin(OriginKind.FailedWhenTrue, Site, Allocator, ImmutableArray<Location>.Empty) { Subject = this, Ordinal = Ordinal }
            : _failedWhenFalse ??= new Origin(OriginKind.FailedWhenFalse, Site, Allocator, ImmutableArray<Location>.Empty) { Subject = this, Ordinal = Ordinal };

        // Made once per mapping: every check of it asks (a benign race: two threads may each make one; either is right).
        private Origin? _failedWhenTrue;
        private Origin? _failedWhenFalse;

        /// <summary>The failure bool of the opposite polarity (its negation).</summary>
        public Origin Negated() => Subject == null ? this : Subject.FailedWhen(Kind != OriginKind.FailedWhenTrue);

        /// <summary>For a mapping: its size, when one known constant at the mapping call.</summary>
        public long? MappedSize { get; private set; }

        /// <summary>For a mapping: its direction, when one known constant at the mapping call.</summary>
        public long? MappedDirection { get; private set; }

        /// <summary>An atomic section opened by <paramref name="opener"/> at <paramref name="site"/>, of <paramref name="section"/> (the lock's objects, or none).</summary>
        public static Origin ForAtomicRegion(Location site, string opener, string section, ValueSet<ObjectId> locks) =>
            new Origin(OriginKind.AtomicRegion, site, opener, ImmutableArray<Location>.Empty) { Section = section, Locks = locks };

        /// <summary>For an atomic section: what closes it ("spin", "preempt", "rcu", "irq").</summary>
        public string? Section { get; private set; }

        /// <summary>For a spinlock's section: the objects the lock may be (empty: unknown).</summary>
        public ValueSet<ObjectId> Locks { get; private set; } = ValueSet<ObjectId>.Empty;

        /// <summary>The answer of the <c>in_atomic()</c> call at <paramref name="site"/>.</summary>
        public static Origin ForAtomicQuery(Location site) => new Origin(OriginKind.AtomicQuery, site, "in_atomic", ImmutableArray<Location>.Empty);

        /// <summary>For an <see cref="OriginKind.AtomicQuery"/>: the path fact of having taken its <paramref name="edge"/> edge.</summary>
        public Origin DecidedWhen(bool edge) =>
            new Origin(edge ? OriginKind.DecidedWhenTrue : OriginKind.DecidedWhenFalse, Site, Allocator, ImmutableArray<Location>.Empty) { Subject = this };

        /// <summary>A kernel buffer made at (or passed in by) <paramref name="site"/>.</summary>
        public static Origin ForBuffer(Location site, string name) => new Origin(OriginKind.Buffer, site, name, ImmutableArray<Location>.Empty);

        /// <summary>For a mapping: the buffers it maps (<see cref="OriginKind.Buffer"/>), as far as they are known.</summary>
        public ValueSet<Origin> Buffers { get; private set; } = ValueSet<Origin>.Empty;

        /// <summary>This mapping with the buffers it maps.</summary>
        public Origin Mapping(ValueSet<Origin> buffers) =>
            new Origin(Kind, Site, Allocator, ImmutableArray<Location>.Empty) { MappedSize = MappedSize, MappedDirection = MappedDirection, Buffers = buffers };

        /// <summary>For a failure bool: the mapping it is about.</summary>
        public Origin? Subject { get; private set; }

        private Origin(OriginKind kind, Location site, string allocator, ImmutableArray<Location> flagSites, Step? lastStep, int hash = 0)
        {
            Kind = kind;
            Site = site;
            Allocator = allocator;
            FlagSites = flagSites;
            _lastStep = lastStep;

            // Asked at every union of the sets origins travel in; a location's own hash is not cached by Roslyn.
            _hash = hash != 0 ? hash : (site.GetHashCode() * 397) ^ (int)kind;
        }

        private readonly int _hash;

        /// <summary>
        /// The route, newest step first, each step pointing to the one before: a value passes a step at every
        /// assignment and call, in every context, so adding one must cost one small object, not a copy of the route.
        /// </summary>
        private sealed class Step
        {
            public Step(Location location, Step? previous)
            {
                Location = location;
                Previous = previous;
                Count = (previous?.Count ?? 0) + 1;
            }

            public Location Location { get; }
            public Step? Previous { get; }
            public int Count { get; }
        }

        private readonly Step? _lastStep;

        public OriginKind Kind { get; }

        /// <summary>The allocation call.</summary>
        public Location Site { get; }

        /// <summary>The allocating (or mapping) function's name, for the message: kmalloc, kzalloc, kmem_cache_alloc, dma_map_single …</summary>
        public string Allocator { get; }

        /// <summary>Where the <c>__GFP_PACKED</c> that made this allocation packed was written (for the code fix).</summary>
        public ImmutableArray<Location> FlagSites { get; }

        /// <summary>The places the value passed through on the way from <see cref="Site"/>, in order (made when asked: for a diagnostic).</summary>
        public IReadOnlyList<Location> Steps
        {
            get
            {
                var steps = new Location[_lastStep?.Count ?? 0];
                for (var step = _lastStep; step != null; step = step.Previous)
                {
                    steps[step.Count - 1] = step.Location;
                }

                return steps;
            }
        }

        [MethodImpl(HotPath.Optimized)]
        public Origin WithStep(Location step)
        {
            int count = _lastStep?.Count ?? 0;
            if (count >= MaxSteps || step == Site || (_lastStep != null && _lastStep.Location == step))
            {
                return this;
            }

            return new Origin(Kind, Site, Allocator, FlagSites, new Step(step, _lastStep), _hash);
        }

        [MethodImpl(HotPath.Optimized)]
        public bool Equals(Origin? other) => other != null && _hash == other._hash && Kind == other.Kind && Site == other.Site && Ordinal == other.Ordinal;

        public override bool Equals(object? obj) => Equals(obj as Origin);

        public override int GetHashCode() => _hash;

        public override string ToString() => Allocator + "@" + Site.GetLineSpan();
    }
}
