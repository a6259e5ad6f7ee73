using System;

namespace PackedAlloc.Runtime
{
    /// <summary>
    /// A DMA-capable device (<c>struct device</c>) with its DMA engine. <see cref="DmaWrite"/> and
    /// <see cref="DmaRead"/> are the hardware's own accesses: to RAM behind the CPU's cache when the device is not
    /// coherent, snooping the cache when it is.
    /// </summary>
    public sealed class Device
    {
        internal Device(Machine machine, string name, bool coherent, int dmaMaskBits)
        {
            Machine = machine;
            Name = name;
            IsCoherent = coherent;
            DmaMaskBits = dmaMaskBits;
            DmaMask = Kernel.DMA_BIT_MASK(dmaMaskBits);
        }

        /// <summary>The machine the device is plugged into.</summary>
        public Machine Machine { get; }

        /// <summary>The device name (<c>dev_name</c>).</summary>
        public string Name { get; }

        /// <summary>The driver name used in dma-debug messages (<c>dev_driver_string</c>).</summary>
        public string DriverName { get; init; } = "packedalloc";

        /// <summary>Whether the device snoops the CPU caches (<c>dev_is_dma_coherent</c>).</summary>
        public bool IsCoherent { get; }

        /// <summary>Width of the DMA mask in bits.</summary>
        public int DmaMaskBits { get; }

        /// <summary><c>*dev->dma_mask</c>.</summary>
        public ulong DmaMask { get; }

        /// <summary>
        /// <c>dma_get_min_align_mask</c>: low address bits the device needs preserved when bouncing (e.g. 4095 for
        /// NVMe). The swiotlb keeps the buffer's offset within this granule. 0 by default.
        /// </summary>
        public int MinAlignMask
        {
            get => _minAlignMask;
            set
            {
                if (value < 0 || ((long)value & ((long)value + 1)) != 0)
                    throw new ArgumentOutOfRangeException(nameof(value), value, "MinAlignMask must be 2^n - 1.");
                _minAlignMask = value;
            }
        }
        private int _minAlignMask;

        /// <summary>Whether the device was removed (<see cref="Machine.RemoveDevice"/>).</summary>
        public bool IsRemoved { get; internal set; }

        /// <summary>dma-debug's state for this device, made on its first mapping (<see cref="Dma.DmaDebug"/>).</summary>
        internal Dma.DebugDeviceState? DebugState { get; set; }

        /// <summary>The device writes <paramref name="data"/> at bus address <paramref name="addr"/>.</summary>
        public void DmaWrite(DmaAddr addr, ReadOnlySpan<byte> data) => Machine.Memory.DeviceAccess(this, addr, data.Length, data, default, write: true);

        /// <summary>The device reads <paramref name="destination"/>.Length bytes at bus address <paramref name="addr"/>.</summary>
        public void DmaRead(DmaAddr addr, Span<byte> destination) => Machine.Memory.DeviceAccess(this, addr, destination.Length, default, destination, write: false);

        /// <inheritdoc/>
        public override string ToString() => $"{Name} ({(IsCoherent ? "coherent" : "non-coherent")}, {DmaMaskBits}-bit)";
    }
}
