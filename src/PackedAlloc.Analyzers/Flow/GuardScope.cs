using System;
using System.Runtime.CompilerServices;

namespace PackedAlloc.Analyzers.Flow
{
    /// <summary>
    /// Which devices a check that no bounce is needed was made for, on every path to a point (null where no check
    /// was made): <c>dev_is_dma_coherent(dev)</c> and <c>dma_kmalloc_needs_bounce(dev, …)</c> answer for their
    /// device, so they guard the mappings for that device and not those for another. The devices are named by the
    /// abstract objects the device value refers to; a check on a device the analysis cannot name (no object) guards
    /// every mapping, as any check did before devices were told apart.
    /// </summary>
    internal sealed class GuardScope : IEquatable<GuardScope>
    {
        /// <summary>Guarded whatever the device.</summary>
        public static readonly GuardScope Any = new GuardScope(ValueSet<ObjectId>.Empty);

        private GuardScope(ValueSet<ObjectId> devices)
        {
            Devices = devices;
        }

        /// <summary>The devices checked; empty for <see cref="Any"/>.</summary>
        public ValueSet<ObjectId> Devices { get; }

        public bool IsAny => Devices.IsEmpty;

        /// <summary>The scope of a check made on a device value with these objects.</summary>
        public static GuardScope For(ValueSet<ObjectId> devices) => devices.IsEmpty ? Any : new GuardScope(devices);

        /// <summary>Both checks were made on this path: a mapping for either device is guarded.</summary>
        [MethodImpl(HotPath.Optimized)]
        public static GuardScope? Both(GuardScope? left, GuardScope? right)
        {
            if (left == null) return right;
            if (right == null || ReferenceEquals(left, right)) return left;
            if (left.IsAny || right.IsAny) return Any;
            var union = left.Devices.Union(right.Devices);
            return ReferenceEquals(union, left.Devices) ? left : new GuardScope(union);
        }

        /// <summary>Where two paths meet: guarded for the devices checked on both (none: not guarded).</summary>
        [MethodImpl(HotPath.Optimized)]
        public static GuardScope? Meet(GuardScope? left, GuardScope? right)
        {
            if (left == null || right == null) return null;
            if (ReferenceEquals(left, right) || right.IsAny) return left;
            if (left.IsAny) return right;
            var common = left.Devices.Intersect(right.Devices);
            return ReferenceEquals(common, left.Devices) ? left : common.IsEmpty ? null : new GuardScope(common);
        }

        /// <summary>Whether a mapping for <paramref name="device"/> (null: the mapping names none) is guarded.</summary>
        [MethodImpl(HotPath.Optimized)]
        public bool Covers(AbstractValue? device) =>
            IsAny || device == null || device.Objects.IsEmpty || Devices.IsSupersetOf(device.Objects);

        public bool Equals(GuardScope? other) => other != null && (ReferenceEquals(this, other) || Devices.SetEquals(other.Devices));

        public override bool Equals(object? obj) => Equals(obj as GuardScope);

        public override int GetHashCode()
        {
            int hash = 17;
            foreach (var device in Devices) hash += device.GetHashCode();
            return hash;
        }

        /// <summary>Equality where null (not guarded) is a value too.</summary>
        public static bool Same(GuardScope? left, GuardScope? right) => left == null ? right == null : left.Equals(right);
    }
}
