using System;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// What the analysis knows about one value: which packed allocations (and unaligned caches) it may hold, which
    /// constants it may be (sizes, flags, directions), which abstract objects it may refer to, which lambdas or
    /// methods it may be a delegate to, where a <c>__GFP_PACKED</c> in it was written, whether, as a bool, it
    /// says that no bounce is needed, and which mapping handles (DMA addresses and dma_map_sg counts, by the call
    /// that made them) it may be. Immutable; <see cref="Join"/> is the lattice's least upper bound.
    /// <para>Packed origins travel only where a buffer can (pointers, objects, arrays); handles travel in the
    /// numbers and DMA addresses that carry them, so the two are kept apart.</para>
    /// </summary>
    internal sealed class AbstractValue : IEquatable<AbstractValue>
    {
        public static readonly AbstractValue Bottom = new AbstractValue(
            ValueSet<Origin>.Empty, ConstSet.Bottom, ValueSet<ObjectId>.Empty,
            ValueSet<Callable>.Empty, ValueSet<Location>.Empty, GuardPolarity.None, ValueSet<Origin>.Empty);

        public static readonly AbstractValue UnknownConstant = Bottom.WithConsts(ConstSet.Unknown);

        private int _hash;

        private AbstractValue(
            ValueSet<Origin> origins, ConstSet consts, ValueSet<ObjectId> objects,
            ValueSet<Callable> callables, ValueSet<Location> flagSites, GuardPolarity guard, ValueSet<Origin> handles, ValueSet<ObjectId>? guardSubject = null)
        {
            Handles = handles;
            Origins = origins;
            Consts = consts;
            Objects = objects;
            Callables = callables;
            FlagSites = flagSites;
            Guard = guard;
            GuardSubject = guard == GuardPolarity.None ? ValueSet<ObjectId>.Empty : guardSubject ?? ValueSet<ObjectId>.Empty;
        }

        public ValueSet<Origin> Origins { get; }
        public ConstSet Consts { get; }
        public ValueSet<ObjectId> Objects { get; }
        public ValueSet<Callable> Callables { get; }
        public ValueSet<Location> FlagSites { get; }
        public GuardPolarity Guard { get; }

        /// <summary>The mapping handles this value may be (<see cref="OriginKind.Mapping"/>, <see cref="OriginKind.MappingCount"/>, <see cref="OriginKind.ParameterHandle"/>).</summary>
        public ValueSet<Origin> Handles { get; }

        /// <summary>The device the check that made <see cref="Guard"/> asked about (its objects); empty: any device.</summary>
        public ValueSet<ObjectId> GuardSubject { get; }

        public bool IsBottom
        {
            [MethodImpl(HotPath.Optimized)]
            get => ReferenceEquals(this, Bottom)
                || (Origins.IsEmpty && Objects.IsEmpty && Callables.IsEmpty && FlagSites.IsEmpty && Guard == GuardPolarity.None && Consts.IsBottom && Handles.IsEmpty);
        }

        /// <summary>Small constants (sizes, flags' low bits, directions, bools) are shared: they are evaluated at every visit.</summary>
        private static readonly AbstractValue?[] SmallConstants = new AbstractValue?[1024];

        /// <summary>Constants from 0 below this are made once (see <see cref="Constant"/>).</summary>
        public static int SmallConstantCount => SmallConstants.Length;

        [MethodImpl(HotPath.Optimized)]
        public static AbstractValue Constant(long value)
        {
            if (value < 0 || value >= SmallConstants.Length)
            {
                return Bottom.WithConsts(ConstSet.Of(value));
            }

            // A benign race: two threads may each create the value; either is correct.
            return SmallConstants[value] ??= Bottom.WithConsts(ConstSet.Of(value));
        }

        public static AbstractValue ForOrigin(Origin origin) => Bottom.WithOrigins(ValueSet<Origin>.Create(origin));

        public static AbstractValue ForObject(ObjectId obj) => obj.Value;

        [MethodImpl(HotPath.Optimized)]
        public static AbstractValue ForCallable(Callable callable) =>
            new AbstractValue(ValueSet<Origin>.Empty, ConstSet.Bottom, ValueSet<ObjectId>.Empty,
                ValueSet<Callable>.Create(callable), ValueSet<Location>.Empty, GuardPolarity.None, ValueSet<Origin>.Empty);

        // Each returns this instance when nothing changes: they run at nearly every operation visit.
        [MethodImpl(HotPath.Optimized)]
        public AbstractValue WithOrigins(ValueSet<Origin> origins) =>
            ReferenceEquals(origins, Origins) ? this : new AbstractValue(origins, Consts, Objects, Callables, FlagSites, Guard, Handles, GuardSubject);
        [MethodImpl(HotPath.Optimized)]
        public AbstractValue WithConsts(ConstSet consts) =>
            consts.Equals(Consts) ? this : new AbstractValue(Origins, consts, Objects, Callables, FlagSites, Guard, Handles, GuardSubject);
        [MethodImpl(HotPath.Optimized)]
        public AbstractValue WithObjects(ValueSet<ObjectId> objects) =>
            ReferenceEquals(objects, Objects) ? this : new AbstractValue(Origins, Consts, objects, Callables, FlagSites, Guard, Handles, GuardSubject);
        [MethodImpl(HotPath.Optimized)]
        public AbstractValue WithFlagSites(ValueSet<Location> sites) =>
            ReferenceEquals(sites, FlagSites) ? this : new AbstractValue(Origins, Consts, Objects, Callables, sites, Guard, Handles, GuardSubject);
        [MethodImpl(HotPath.Optimized)]
        public AbstractValue WithGuard(GuardPolarity guard) =>
            guard == Guard ? this : new AbstractValue(Origins, Consts, Objects, Callables, FlagSites, guard, Handles, GuardSubject);
        [MethodImpl(HotPath.Optimized)]
        public AbstractValue WithGuard(GuardPolarity guard, ValueSet<ObjectId> subject) =>
            guard == Guard && subject.SetEquals(GuardSubject) ? this : new AbstractValue(Origins, Consts, Objects, Callables, FlagSites, guard, Handles, subject);

        [MethodImpl(HotPath.Optimized)]
        public AbstractValue WithHandles(ValueSet<Origin> handles) =>
            ReferenceEquals(handles, Handles) ? this : new AbstractValue(Origins, Consts, Objects, Callables, FlagSites, Guard, handles, GuardSubject);

        /// <summary>The value without mapping handles: what a summary keeps (a handle means something only in the method that holds it).</summary>
        public AbstractValue WithoutHandles() => Handles.IsEmpty ? this : WithHandles(ValueSet<Origin>.Empty);

        /// <summary>As <see cref="WithStep(Location)"/>, making the location only when there is a route to extend.</summary>
        public AbstractValue WithStep(SyntaxNode step) => Origins.IsEmpty ? this : WithStep(step.GetLocation());

        /// <summary>This value after passing <paramref name="step"/>: every origin's route gains the step.</summary>
        [MethodImpl(HotPath.Optimized)]
        public AbstractValue WithStep(Location step)
        {
            if (Origins.IsEmpty)
            {
                return this;
            }

            return WithOrigins(Origins.MapEqual((origin, location) => origin.WithStep(location), step));
        }

        /// <summary>
        /// Whether joining <paramref name="other"/> into this value would add nothing: answered without building the
        /// join, which is how most joins end once the analysis nears its fixed point.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public bool Covers(AbstractValue other)
        {
            if (ReferenceEquals(this, other) || other.IsBottom) return true;
            var (guard, subject) = JoinGuards(Guard, GuardSubject, other.Guard, other.GuardSubject);
            return guard == Guard && ReferenceEquals(subject, GuardSubject)
                && Consts.Covers(other.Consts)
                && Origins.IsSupersetOf(other.Origins)
                && Objects.IsSupersetOf(other.Objects)
                && Callables.IsSupersetOf(other.Callables)
                && FlagSites.IsSupersetOf(other.FlagSites)
                && Handles.IsSupersetOf(other.Handles);
        }

        [MethodImpl(HotPath.Optimized)]
        public AbstractValue Join(AbstractValue other)
        {
            if (Covers(other)) return this;
            if (IsBottom) return other;
            // Each union keeps this side's instances, so the first route found to an allocation is the one kept.
            var origins = Origins.Union(other.Origins);
            var consts = Consts.Join(other.Consts);
            var objects = Objects.Union(other.Objects);
            var callables = Callables.Union(other.Callables);
            var flagSites = FlagSites.Union(other.FlagSites);
            var handles = Handles.Union(other.Handles);
            var (guard, subject) = JoinGuards(Guard, GuardSubject, other.Guard, other.GuardSubject);

            // Nothing new: keep this instance, so that states whose join changed nothing are recognised by reference
            // and nothing is allocated (the worklist's common case once a loop has stabilised).
            if (ReferenceEquals(origins, Origins) && ReferenceEquals(objects, Objects) && ReferenceEquals(callables, Callables)
                && ReferenceEquals(flagSites, FlagSites) && ReferenceEquals(handles, Handles) && guard == Guard && ReferenceEquals(subject, GuardSubject) && consts.Equals(Consts))
            {
                return this;
            }

            return new AbstractValue(origins, consts, objects, callables, flagSites, guard, handles, subject);
        }

        /// <summary>
        /// The join of two guards with the devices their checks asked about: safe only for the devices both say
        /// (a check on any device says it for every one); about no common device, no guard. This side's subject
        /// instance is returned whenever it is the answer, so that joins that change nothing are seen by reference.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        private static (GuardPolarity Guard, ValueSet<ObjectId> Subject) JoinGuards(
            GuardPolarity left, ValueSet<ObjectId> leftSubject, GuardPolarity right, ValueSet<ObjectId> rightSubject)
        {
            var guard = JoinGuards(left, right);
            if (guard == GuardPolarity.None) return (GuardPolarity.None, ValueSet<ObjectId>.Empty);
            if (right == GuardPolarity.None) return (guard, leftSubject);
            if (rightSubject.IsEmpty) return (guard, leftSubject);
            if (leftSubject.IsEmpty) return (guard, rightSubject);
            var common = leftSubject.Intersect(rightSubject);
            return common.IsEmpty ? (GuardPolarity.None, ValueSet<ObjectId>.Empty) : (guard, common);
        }

        /// <summary>
        /// A guard is the set of outcomes on which the code is known to be safe, so the join is their intersection:
        /// <see cref="GuardPolarity.SafeEither"/> (a bool computed where the check was already made) joined with
        /// a check's own polarity keeps that polarity; opposite polarities give none.
        /// </summary>
        [MethodImpl(HotPath.Optimized)]
        public static GuardPolarity JoinGuards(GuardPolarity left, GuardPolarity right)
        {
            if (left == right || right == GuardPolarity.SafeEither) return left;
            if (left == GuardPolarity.SafeEither) return right;
            return GuardPolarity.None;
        }

        /// <summary>The guard of the negated bool: safe on the other outcome.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static GuardPolarity FlipGuard(GuardPolarity guard) =>
            guard == GuardPolarity.SafeWhenTrue ? GuardPolarity.SafeWhenFalse
            : guard == GuardPolarity.SafeWhenFalse ? GuardPolarity.SafeWhenTrue
            : guard;

        [MethodImpl(HotPath.Optimized)]
        public bool Equals(AbstractValue? other)
        {
            if (ReferenceEquals(this, other)) return true;
            return other != null
                && Guard == other.Guard
                && GuardSubject.SetEquals(other.GuardSubject)
                && Consts.Equals(other.Consts)
                && Origins.SetEquals(other.Origins)
                && Objects.SetEquals(other.Objects)
                && Callables.SetEquals(other.Callables)
                && FlagSites.SetEquals(other.FlagSites)
                && Handles.SetEquals(other.Handles);
        }

        public override bool Equals(object? obj) => Equals(obj as AbstractValue);

        [MethodImpl(HotPath.Optimized)]
        public override int GetHashCode()
        {
            if (_hash == 0)
            {
                int hash = Consts.GetHashCode() ^ ((int)Guard << 28);
                foreach (var origin in Origins) hash += origin.GetHashCode();
                foreach (var obj in Objects) hash += obj.GetHashCode() * 7;
                foreach (var callable in Callables) hash += callable.GetHashCode() * 13;
                foreach (var handle in Handles) hash += handle.GetHashCode() * 17;
                _hash = hash == 0 ? 1 : hash;
            }

            return _hash;
        }

        [MethodImpl(HotPath.Optimized)]
        public override string ToString() =>
            $"origins[{string.Join(",", Origins)}] consts{Consts} objects[{string.Join(",", Objects)}] guard={Guard}" + (Handles.IsEmpty ? "" : $" handles[{string.Join(",", Handles)}]");
    }

    /// <summary>For a bool: which of its values means the code checked that no bounce is needed.</summary>
    internal enum GuardPolarity : sbyte
    {
        None = 0,
        /// <summary>true means safe: dev_is_dma_coherent(dev).</summary>
        SafeWhenTrue = 1,
        /// <summary>false means safe: dma_kmalloc_needs_bounce(dev, size, dir).</summary>
        SafeWhenFalse = -1,
        /// <summary>
        /// Either value is safe: the bool was computed on a path that had already checked, such as the constant
        /// <c>false</c> that <c>!dev_is_dma_coherent(dev) &amp;&amp; dma_kmalloc_needs_bounce(…)</c> yields when the
        /// device is coherent. Joined with the other path's check it leaves that check's polarity.
        /// </summary>
        SafeEither = 2,
    }
}
