using System;

namespace PackedAlloc.Runtime
{
    /// <summary>A bus address as a device sees it (<c>dma_addr_t</c>). In this emulation bus addresses equal physical ones.</summary>
    public readonly struct DmaAddr : IEquatable<DmaAddr>
    {
        /// <summary>Creates a bus address.</summary>
        public DmaAddr(ulong value) => Value = value;

        /// <summary>The address.</summary>
        public ulong Value { get; }

        /// <summary>Offsets the address (for partial syncs such as <c>dma_sync_single_range_for_cpu</c>).</summary>
        public static DmaAddr operator +(DmaAddr a, int offset) => new DmaAddr(unchecked(a.Value + (ulong)(long)offset));
        /// <summary>Offsets the address backwards.</summary>
        public static DmaAddr operator -(DmaAddr a, int offset) => new DmaAddr(unchecked(a.Value - (ulong)(long)offset));
        /// <summary>Equality.</summary>
        public static bool operator ==(DmaAddr a, DmaAddr b) => a.Value == b.Value;
        /// <summary>Inequality.</summary>
        public static bool operator !=(DmaAddr a, DmaAddr b) => a.Value != b.Value;
        /// <inheritdoc/>
        public bool Equals(DmaAddr other) => Value == other.Value;
        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is DmaAddr p && Equals(p);
        /// <inheritdoc/>
        public override int GetHashCode() => Value.GetHashCode();
        /// <inheritdoc/>
        public override string ToString() => "0x" + Value.ToString("x16");
    }
}
