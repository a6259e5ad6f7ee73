using System;

namespace PackedAlloc.Runtime
{
    /// <summary>A physical address (<c>phys_addr_t</c>).</summary>
    public readonly struct PhysAddr : IEquatable<PhysAddr>
    {
        /// <summary>Creates a physical address.</summary>
        public PhysAddr(ulong value) => Value = value;

        /// <summary>The address.</summary>
        public ulong Value { get; }

        /// <summary>Offsets the address.</summary>
        public static PhysAddr operator +(PhysAddr a, int offset) => new PhysAddr(unchecked(a.Value + (ulong)(long)offset));
        /// <summary>Offsets the address backwards.</summary>
        public static PhysAddr operator -(PhysAddr a, int offset) => new PhysAddr(unchecked(a.Value - (ulong)(long)offset));
        /// <summary>Equality.</summary>
        public static bool operator ==(PhysAddr a, PhysAddr b) => a.Value == b.Value;
        /// <summary>Inequality.</summary>
        public static bool operator !=(PhysAddr a, PhysAddr b) => a.Value != b.Value;
        /// <inheritdoc/>
        public bool Equals(PhysAddr other) => Value == other.Value;
        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is PhysAddr p && Equals(p);
        /// <inheritdoc/>
        public override int GetHashCode() => Value.GetHashCode();
        /// <inheritdoc/>
        public override string ToString() => "0x" + Value.ToString("x16");
    }
}
