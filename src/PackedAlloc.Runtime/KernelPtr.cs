using System;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// A kernel virtual address in the linear map (<c>void *</c>). It remembers the machine it came from, so a
    /// pointer keeps working outside that machine's <see cref="Machine.Enter"/> scope. Accesses go through the
    /// CPU's data cache and are checked KASAN-style against the object the pointer points into.
    /// </summary>
    public readonly struct KernelPtr : IEquatable<KernelPtr>
    {
        private readonly Machine? _machine;

        /// <summary>Creates a pointer to <paramref name="address"/> on the current machine.</summary>
        public KernelPtr(ulong address) : this(address, null) { }

        internal KernelPtr(ulong address, Machine? machine)
        {
            Address = address;
            _machine = machine;
        }

        /// <summary>The virtual address.</summary>
        public ulong Address { get; }

        /// <summary>True for <c>NULL</c>.</summary>
        public bool IsNull => Address == 0;

        /// <summary>True for NULL and ZERO_SIZE_PTR (<c>ZERO_OR_NULL_PTR</c>).</summary>
        public bool IsZeroOrNull => Address <= 16;

        /// <summary>The machine this pointer belongs to (the current machine when unknown; an error when none is entered).</summary>
        internal Machine Machine => _machine ?? Machine.CurrentFor("access through " + ToString());

        internal Machine? OwnerMachine => _machine;

        /// <summary>
        /// The <paramref name="length"/> bytes at this address as the CPU sees them, for reading and writing. The
        /// range must lie inside one live object (else a <see cref="KasanException"/>). The cache lines it covers
        /// become dirty, as a CPU store would make them: use <see cref="AsReadOnlySpan"/> to only read. The span is
        /// meant for immediate use, like a run of CPU loads and stores; do not keep it across DMA calls.
        /// </summary>
        public Span<byte> AsSpan(int length) => Machine.CpuAccess(this, length, write: true);

        /// <summary>The <paramref name="length"/> bytes at this address as the CPU sees them, read-only (lines stay clean).</summary>
        public ReadOnlySpan<byte> AsReadOnlySpan(int length) => Machine.CpuAccess(this, length, write: false);

        /// <summary>Copies <paramref name="length"/> bytes out (a CPU read).</summary>
        public byte[] ToArray(int length) => AsReadOnlySpan(length).ToArray();

        /// <summary>Copies <paramref name="data"/> to this address (a CPU write).</summary>
        public void Write(ReadOnlySpan<byte> data) => data.CopyTo(AsSpan(data.Length));

        /// <summary>Pointer arithmetic in bytes.</summary>
        public static KernelPtr operator +(KernelPtr p, int offset) => new KernelPtr(unchecked(p.Address + (ulong)(long)offset), p._machine);

        /// <summary>Pointer arithmetic in bytes.</summary>
        public static KernelPtr operator -(KernelPtr p, int offset) => new KernelPtr(unchecked(p.Address - (ulong)(long)offset), p._machine);

        /// <summary>The distance in bytes between two pointers.</summary>
        public static long operator -(KernelPtr a, KernelPtr b) => unchecked((long)(a.Address - b.Address));

        /// <summary>Address equality, as in C.</summary>
        public static bool operator ==(KernelPtr a, KernelPtr b) => a.Address == b.Address;

        /// <summary>Address inequality, as in C.</summary>
        public static bool operator !=(KernelPtr a, KernelPtr b) => a.Address != b.Address;

        /// <inheritdoc/>
        public bool Equals(KernelPtr other) => Address == other.Address;

        /// <inheritdoc/>
        public override bool Equals(object? obj) => obj is KernelPtr p && Equals(p);

        /// <inheritdoc/>
        public override int GetHashCode() => Address.GetHashCode();

        /// <inheritdoc/>
        public override string ToString() => "0x" + Address.ToString("x16");
    }
}
